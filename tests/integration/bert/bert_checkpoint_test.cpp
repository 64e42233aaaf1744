// Hugging Face folders in and out: key layouts, dtypes, errors, initialisation, save/reload.
#include "bert_checkpoint.hpp"
#include "bert_mlm_head.hpp"
#include "reference.hpp"

#include <rubrika/error.hpp>
#include <rubrika/io/checkpoint.hpp>
#include <rubrika/io/safetensors.hpp>

#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <fstream>

namespace fs = std::filesystem;
using rubrika::bert::BertConfig;
using rubrika::bert::BertModel;
using rubrika::test::kTinyBert;
using rubrika::test::long_tensor;
using rubrika::test::max_abs_diff;

namespace {

class BertCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rubrika_bert_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    tensors_ = rubrika::read_checkpoint(kTinyBert / "model.safetensors");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // In evaluation mode (a new module starts in training mode, with dropout on).
  static BertModel fixture_model() {
    BertModel model(BertConfig::from_file(kTinyBert / "config.json"));
    model->eval();
    return model;
  }

  // pooled output of reference single[2], [1, hidden]
  static at::Tensor pooled(BertModel& model) {
    c10::InferenceMode guard;
    const auto& item = rubrika::test::reference()["single"][2];
    at::Tensor ids = long_tensor(item["input_ids"]).unsqueeze(0);
    return model->forward(ids, at::ones_like(ids), at::zeros_like(ids)).pooled;
  }

  static void copy_tokenizer_files(const fs::path& dir) {
    for (const char* f : {"vocab.txt", "tokenizer_config.json", "special_tokens_map.json"})
      fs::copy_file(kTinyBert / f, dir / f);
  }

  fs::path dir_;
  std::map<std::string, at::Tensor> tensors_;
};

TEST_F(BertCheckpoint, ParsesEveryConfigFieldTheMathUses) {
  BertConfig c = BertConfig::from_file(kTinyBert / "config.json");
  EXPECT_EQ(c.vocab_size, 613);
  EXPECT_EQ(c.hidden_size, 128);
  EXPECT_EQ(c.num_hidden_layers, 2);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.intermediate_size, 512);
  EXPECT_EQ(c.hidden_act, "gelu");
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_EQ(c.type_vocab_size, 2);
  EXPECT_DOUBLE_EQ(c.layer_norm_eps, 1e-12);
  EXPECT_EQ(c.id2label, (std::vector<std::string>{"Электроника", "Транспорт", "Недвижимость"}));
  EXPECT_EQ(c.architecture, "BertForSequenceClassification");
  BertConfig again = BertConfig::from_json_text(c.to_json_text(), "round trip");
  EXPECT_EQ(again.to_json_text(), c.to_json_text());
}

TEST_F(BertCheckpoint, ConfigErrorsNameTheProblem) {
  EXPECT_THROW(
      BertConfig::from_json_text("{\"hidden_size\": 100, \"num_attention_heads\": 3}", "c"),
      rubrika::ArtifactError);
  EXPECT_THROW(BertConfig::from_json_text("{\"hidden_act\": \"mish\"}", "c"),
               rubrika::ArtifactError);
  EXPECT_THROW(BertConfig::from_json_text("{\"model_type\": \"roberta\"}", "c"),
               rubrika::ArtifactError);
  EXPECT_THROW(BertConfig::from_json_text("{\"hidden_size\": \"big\"}", "c"),
               rubrika::ArtifactError);
  EXPECT_THROW(BertConfig::from_json_text("{oops", "c"), rubrika::ArtifactError);
  // Unknown fields are ignored, as transformers does.
  EXPECT_NO_THROW(BertConfig::from_json_text("{\"gradient_checkpointing\": false}", "c"));
}

TEST_F(BertCheckpoint, MissingEncoderWeightIsAnErrorNamingIt) {
  tensors_.erase("bert.encoder.layer.1.output.dense.weight");
  BertModel model = fixture_model();
  try {
    rubrika::bert::load_weights(model, tensors_, "weights.safetensors");
    FAIL() << "no error";
  } catch (const rubrika::ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("bert.encoder.layer.1.output.dense.weight"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("weights.safetensors"), std::string::npos);
  }
}

TEST_F(BertCheckpoint, ShapeMismatchIsAnError) {
  tensors_["bert.pooler.dense.bias"] = at::zeros({7});
  BertModel model = fixture_model();
  EXPECT_THROW(rubrika::bert::load_weights(model, tensors_, "w"), rubrika::ArtifactError);
}

TEST_F(BertCheckpoint, AcceptsBertModelKeysHalfPrecisionAndExtraHeads) {
  // BertModel / BertForMaskedLM style: no prefix, no position_ids, fp16 on disk, an MLM head.
  std::map<std::string, at::Tensor> plain;
  for (const auto& [key, t] : tensors_) {
    if (key.rfind("bert.", 0) != 0 || key == "bert.embeddings.position_ids") continue;
    plain[key.substr(5)] = t.to(at::kHalf);
  }
  plain["cls.predictions.bias"] = at::zeros({613}, at::kHalf);
  BertModel half = fixture_model(), full = fixture_model();
  auto report = rubrika::bert::load_weights(half, plain, "plain");
  rubrika::bert::load_weights(full, tensors_, "full");
  EXPECT_EQ(report.prefix, "");
  EXPECT_EQ(report.unused, (std::vector<std::string>{"cls.predictions.bias"}));
  EXPECT_FALSE(report.has_classifier);
  EXPECT_EQ(half->embeddings->word_embeddings->weight.scalar_type(), at::kFloat);
  EXPECT_LE(max_abs_diff(pooled(half), pooled(full)), 0.05);  // fp16 rounding of the weights
  // bf16 on disk too.
  for (auto& [key, t] : plain) t = t.to(at::kBFloat16);
  EXPECT_NO_THROW(rubrika::bert::load_weights(half, plain, "bf16"));
}

TEST_F(BertCheckpoint, MissingPoolerIsAWarningNotAnError) {
  tensors_.erase("bert.pooler.dense.weight");
  tensors_.erase("bert.pooler.dense.bias");
  BertModel model = fixture_model();
  auto report = rubrika::bert::load_weights(model, tensors_, "mlm");
  EXPECT_TRUE(report.pooler_missing);
}

TEST_F(BertCheckpoint, TruncatedWeightsFileIsAnErrorNamingIt) {
  for (const char* name : {"model.safetensors", "pytorch_model.bin"}) {
    const fs::path folder = dir_ / name;
    fs::create_directories(folder);
    fs::copy_file(kTinyBert / "config.json", folder / "config.json");
    std::ifstream in(kTinyBert / name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(folder / name, std::ios::binary).write(bytes.data(), bytes.size() / 3);
    try {
      rubrika::bert::load_folder(folder);
      ADD_FAILURE() << "no error for a truncated " << name;
    } catch (const rubrika::ArtifactError& e) {
      EXPECT_NE(std::string(e.what()).find((folder / name).string()), std::string::npos)
          << e.what();
    }
  }
}

TEST_F(BertCheckpoint, InitialisesLikeHuggingFaceAndIsSeeded) {
  BertConfig c = BertConfig::from_file(kTinyBert / "config.json");
  c.initializer_range = 0.05;
  BertModel a(c), b(c), other(c);
  a->init_weights(1);
  b->init_weights(1);
  other->init_weights(2);
  for (const auto& item : a->named_parameters())
    EXPECT_TRUE(at::equal(item.value(), b->named_parameters()[item.key()])) << item.key();
  EXPECT_FALSE(at::equal(a->pooler->dense->weight, other->pooler->dense->weight));
  const at::Tensor words = a->embeddings->word_embeddings->weight;
  EXPECT_TRUE(at::equal(words[0], at::zeros({128})));  // padding row
  EXPECT_NEAR(words.narrow(0, 1, 612).std().item<double>(), 0.05, 0.002);
  EXPECT_NEAR(a->encoder->layer[0]
                  ->as<rubrika::bert::BertLayerImpl>()
                  ->intermediate->dense->weight.std()
                  .item<double>(),
              0.05, 0.002);
  EXPECT_TRUE(at::equal(a->pooler->dense->bias, at::zeros({128})));
  EXPECT_TRUE(at::equal(a->embeddings->LayerNorm->weight, at::ones({128})));
  EXPECT_TRUE(at::equal(a->embeddings->LayerNorm->bias, at::zeros({128})));
}

TEST_F(BertCheckpoint, SavedFolderReloadsWithIdenticalOutputs) {
  auto loaded = rubrika::bert::load_folder(kTinyBert);
  const fs::path target = dir_ / "saved";
  rubrika::bert::save_folder(target, loaded.model, loaded.model->config(), {},
                             copy_tokenizer_files);
  // BertModel.save_pretrained layout: keys without a prefix, no position_ids.
  auto saved = rubrika::load_safetensors(target / "model.safetensors");
  EXPECT_EQ(saved.size(), 39u);
  EXPECT_TRUE(saved.count("embeddings.word_embeddings.weight"));
  EXPECT_TRUE(fs::exists(target / "vocab.txt"));
  auto reloaded = rubrika::bert::load_folder(target);
  EXPECT_EQ(reloaded.model->config().architecture, "BertModel");
  EXPECT_TRUE(at::equal(pooled(reloaded.model), pooled(loaded.model)));
  // Saving again over the same folder replaces it and leaves no temporary folders.
  rubrika::bert::save_folder(target, reloaded.model, reloaded.model->config(), {},
                             copy_tokenizer_files);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(BertCheckpoint, SequenceClassifierIsSavedWithBertPrefixAndLabels) {
  auto loaded = rubrika::bert::load_folder(kTinyBert);
  const fs::path target = dir_ / "classifier";
  rubrika::bert::save_folder(target, loaded.model, loaded.model->config(),
                             {{"classifier.weight", tensors_.at("classifier.weight")},
                              {"classifier.bias", tensors_.at("classifier.bias")}},
                             copy_tokenizer_files);
  auto saved = rubrika::load_safetensors(target / "model.safetensors");
  EXPECT_EQ(saved.size(), 41u);  // the fixture's 42 minus position_ids
  for (const auto& [key, t] : saved) EXPECT_TRUE(at::equal(t, tensors_.at(key))) << key;
  BertConfig c = BertConfig::from_file(target / "config.json");
  EXPECT_EQ(c.architecture, "BertForSequenceClassification");
  EXPECT_EQ(c.id2label.size(), 3u);
}

// The MLM head's checkpoint keys: none (no head: nothing loaded), all of them (old TensorFlow
// gamma/beta names too), part of them or a wrong shape (an error naming the key).
TEST(BertMlmHeadLoad, ReadsAWholeHeadAndRefusesPartOfOne) {
  const BertConfig config = BertConfig::from_file(kTinyBert / "config.json");
  rubrika::bert::BertMlmHead head(config);
  head->init_weights(0.02, 1);
  std::map<std::string, at::Tensor> tensors;
  EXPECT_FALSE(head->load(tensors, "empty"));
  for (const auto& [key, tensor] : head->checkpoint_tensors())
    tensors[key] = at::full_like(tensor, 0.5);
  tensors["cls.predictions.transform.LayerNorm.gamma"] =
      tensors.extract("cls.predictions.transform.LayerNorm.weight").mapped();
  tensors["cls.predictions.transform.LayerNorm.beta"] =
      tensors.extract("cls.predictions.transform.LayerNorm.bias").mapped();
  EXPECT_TRUE(head->load(tensors, "tf-names"));
  for (const auto& [key, tensor] : head->checkpoint_tensors())
    EXPECT_TRUE(at::allclose(tensor, at::full_like(tensor, 0.5))) << key;

  auto partial = tensors;
  partial.erase("cls.predictions.bias");
  try {
    head->load(partial, "partial.safetensors");
    FAIL() << "part of a head accepted";
  } catch (const rubrika::ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("cls.predictions.bias is missing"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("partial.safetensors"), std::string::npos) << e.what();
  }
  auto wrong = tensors;
  wrong["cls.predictions.bias"] = at::zeros({7});
  EXPECT_THROW(head->load(wrong, "wrong"), rubrika::ArtifactError);
}

}  // namespace
