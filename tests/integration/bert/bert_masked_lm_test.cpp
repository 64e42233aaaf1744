// The `bert` plugin as a MaskedLanguageModel: the MLM head's logits against an independent
// double-precision computation from Hugging Face's hidden states and the tied embedding, and
// the BertForMaskedLM folder it saves loading back (head included).
#include "reference.hpp"

#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/io/checkpoint.hpp>
#include <rubrika/masked_language_model.hpp>
#include <rubrika/mixed_precision.hpp>
#include <rubrika/registry.hpp>

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <fstream>

namespace fs = std::filesystem;
using rubrika::test::float_tensor;
using rubrika::test::kTinyBert;
using rubrika::test::max_abs_diff;
using rubrika::test::reference;

namespace {

std::unique_ptr<rubrika::Encoder> create(const fs::path& model) {
  static rubrika::PluginRegistry* registry = [] {
    auto* made = new rubrika::PluginRegistry();  // never destroyed: the plugin stays loaded
    made->load_file(RUBRIKA_BERT_PLUGIN);
    return made;
  }();
  return registry->create<rubrika::Encoder>("bert", {}, toml::table{{"model", model.string()}});
}

rubrika::MaskedLanguageModel& as_mlm(rubrika::Encoder& encoder) {
  auto* model = dynamic_cast<rubrika::MaskedLanguageModel*>(&encoder);
  if (model == nullptr) throw std::runtime_error("the bert encoder is no MaskedLanguageModel");
  return *model;
}

std::map<std::string, at::Tensor> head_of(rubrika::MaskedLanguageModel& model) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [name, tensor] : model.masked_lm_head_parameters()) out[name] = tensor;
  return out;
}

// Values far from the initialisation (zeros, ones), so every term of the head shows.
void randomise_head(rubrika::MaskedLanguageModel& model) {
  at::NoGradGuard no_grad;
  at::manual_seed(7);
  for (auto& [name, tensor] : head_of(model))
    tensor.copy_(at::randn_like(tensor) *
                     (name.find("LayerNorm.weight") != std::string::npos ? 0.3 : 0.2) +
                 (name.find("LayerNorm.weight") != std::string::npos ? 1.0 : 0.0));
}

TEST(BertMaskedLm, HeadLogitsMatchAnIndependentComputationFromTiedWeights) {
  auto encoder = create(kTinyBert);
  encoder->set_training(false);
  rubrika::MaskedLanguageModel& model = as_mlm(*encoder);
  randomise_head(model);
  const auto& item = reference()["single"][0];  // the item with hidden states
  const rubrika::TokenBatch batch = encoder->tokenize({item["text"].get<std::string>()});
  const at::Tensor predict = batch.attention_mask.to(at::kBool);
  at::Tensor logits;
  {
    at::NoGradGuard no_grad;
    logits = model.masked_token_logits(batch, predict);
  }
  // Expected, in float64: Hugging Face's last hidden state → dense → exact GELU → LayerNorm
  // (eps 1e-12, config.json) → · Eᵀ + bias, E the checkpoint's word embedding.
  auto head = head_of(model);
  const auto d = [&](const std::string& key) { return head.at(key).detach().to(at::kDouble); };
  const at::Tensor hidden = float_tensor(item["hidden_states"].back()).to(at::kDouble);
  const at::Tensor x = at::matmul(hidden, d("cls.predictions.transform.dense.weight").t()) +
                       d("cls.predictions.transform.dense.bias");
  const at::Tensor gelu = 0.5 * x * (1.0 + at::erf(x / std::sqrt(2.0)));
  const at::Tensor mean = gelu.mean(-1, true);
  const at::Tensor var = (gelu - mean).pow(2).mean(-1, true);
  const at::Tensor normed =
      (gelu - mean) / at::sqrt(var + 1e-12) * d("cls.predictions.transform.LayerNorm.weight") +
      d("cls.predictions.transform.LayerNorm.bias");
  const at::Tensor embedding = rubrika::read_checkpoint(kTinyBert / "model.safetensors")
                                   .at("bert.embeddings.word_embeddings.weight")
                                   .to(at::kDouble);
  const at::Tensor expected = at::matmul(normed, embedding.t()) + d("cls.predictions.bias");
  ASSERT_EQ(logits.sizes(), expected.sizes());
  EXPECT_EQ(logits.size(1), 613);  // every vocabulary token
  EXPECT_LE(max_abs_diff(logits, expected), 1e-4);
  // Only the chosen positions are scored, row by row.
  const at::Tensor some = at::zeros_like(predict);
  some[0][2] = true;
  some[0][5] = true;
  at::NoGradGuard no_grad;
  const at::Tensor two = model.masked_token_logits(batch, some);
  ASSERT_EQ(two.size(0), 2);
  EXPECT_LE(max_abs_diff(two[1], expected[5]), 1e-4);
}

// [pretrain] mixed_precision = "bf16" runs the head under autocast: bf16 matmuls, LayerNorm
// in fp32, fp32 logits close to the fp32 ones, and gradients that reach the head.
TEST(BertMaskedLm, TrainsUnderBf16Autocast) {
  auto encoder = create(kTinyBert);
  rubrika::MaskedLanguageModel& model = as_mlm(*encoder);
  randomise_head(model);
  encoder->set_training(false);
  const rubrika::TokenBatch batch = encoder->tokenize({reference()["single"][0]["text"]});
  const at::Tensor predict = batch.attention_mask.to(at::kBool);
  at::Tensor fp32;
  {
    at::NoGradGuard no_grad;
    fp32 = model.masked_token_logits(batch, predict);
  }
  at::Tensor bf16;
  {
    rubrika::AutocastScope autocast(at::kCPU, rubrika::Precision::bf16);
    bf16 = model.masked_token_logits(batch, predict);
  }
  EXPECT_EQ(bf16.scalar_type(), at::kFloat);
  EXPECT_LE(max_abs_diff(bf16, fp32), 0.05 * fp32.abs().max().item<double>());
  bf16.sum().backward();
  const auto head = head_of(model);
  ASSERT_TRUE(head.at("cls.predictions.transform.dense.weight").grad().defined());
  EXPECT_GT(head.at("cls.predictions.transform.dense.weight").grad().abs().sum().item<double>(), 0);
}

TEST(BertMaskedLm, SavesABertForMaskedLmFolderThatLoadsBackWithItsHead) {
  const fs::path dir =
      fs::temp_directory_path() / ("rubrika_bert_mlm_" + std::to_string(::getpid()));
  auto encoder = create(kTinyBert);
  rubrika::MaskedLanguageModel& model = as_mlm(*encoder);
  EXPECT_THROW(model.save_with_masked_lm_head(dir / "early"), rubrika::Error);  // no head yet
  randomise_head(model);
  model.save_with_masked_lm_head(dir / "mlm");

  std::ifstream config_file(dir / "mlm" / "config.json");
  const auto config = nlohmann::json::parse(config_file);
  EXPECT_EQ(config["architectures"], nlohmann::json::array({"BertForMaskedLM"}));
  const auto tensors = rubrika::read_checkpoint(dir / "mlm" / "model.safetensors");
  for (const char* key :
       {"bert.embeddings.word_embeddings.weight", "cls.predictions.bias",
        "cls.predictions.transform.dense.weight", "cls.predictions.transform.LayerNorm.bias"})
    EXPECT_EQ(tensors.count(key), 1u) << key;
  EXPECT_EQ(tensors.count("cls.predictions.decoder.weight"), 0u) << "tied: not saved twice";
  EXPECT_TRUE(fs::exists(dir / "mlm" / "vocab.txt"));

  // The folder is a bert encoder again (the head ignored), and as a masked-language model
  // it brings its trained head back.
  auto reloaded = create(dir / "mlm");
  const rubrika::TokenBatch batch = encoder->tokenize({reference()["single"][0]["text"]});
  encoder->set_training(false);
  reloaded->set_training(false);
  at::NoGradGuard no_grad;
  EXPECT_LE(max_abs_diff(encoder->forward(batch).last_hidden_state,
                         reloaded->forward(batch).last_hidden_state),
            0.0);
  const auto before = head_of(model);
  for (const auto& [name, tensor] : head_of(as_mlm(*reloaded)))
    EXPECT_TRUE(at::equal(tensor, before.at(name))) << name;
  fs::remove_all(dir);
}

}  // namespace
