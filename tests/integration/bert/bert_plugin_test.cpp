// The `bert` plugin through the real registry: options, tokenizer, parity, save/reload.
#include "reference.hpp"

#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/long_text.hpp>
#include <rubrika/registry.hpp>

#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <unistd.h>

namespace fs = std::filesystem;
using rubrika::test::float_tensor;
using rubrika::test::kTinyBert;
using rubrika::test::long_tensor;
using rubrika::test::max_abs_diff;
using rubrika::test::reference;

namespace {

std::unique_ptr<rubrika::Encoder> create(const toml::table& table,
                                         const rubrika::PluginContext& context = {}) {
  auto& registry = rubrika::PluginRegistry::global();
  static bool loaded = false;
  if (!loaded) registry.load_file(RUBRIKA_BERT_PLUGIN);
  loaded = true;
  return registry.create<rubrika::Encoder>("bert", context, table);
}

toml::table fixture_table() { return toml::table{{"model", kTinyBert.string()}}; }

// The word pieces of row `row` of `batch`: its real ids between [CLS] and [SEP].
std::vector<int64_t> pieces_of(const rubrika::TokenBatch& batch, int64_t row) {
  const int64_t real = batch.attention_mask[row].sum().item<int64_t>();
  const at::Tensor ids = batch.input_ids[row].narrow(0, 1, real - 2).contiguous();
  return {ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel()};
}

TEST(BertPlugin, TokenizesAndEncodesLikeHuggingFace) {
  auto encoder = create(fixture_table());
  EXPECT_EQ(encoder->hidden_size(), 128);
  EXPECT_EQ(encoder->max_length(), 512);
  std::vector<std::string> texts;
  for (const auto& item : reference()["single"]) texts.push_back(item["text"]);
  rubrika::TokenBatch batch = encoder->tokenize(texts);
  const auto& expected = reference()["batched_single"];
  EXPECT_TRUE(at::equal(batch.input_ids, long_tensor(expected["input_ids"])));
  EXPECT_TRUE(at::equal(batch.attention_mask, long_tensor(expected["attention_mask"])));
  c10::InferenceMode guard;
  rubrika::EncoderOutput out = encoder->forward(batch);
  EXPECT_LE(max_abs_diff(out.cls, float_tensor(expected["cls"])), 1e-4);
}

TEST(BertPlugin, PairsFollowTheReference) {
  auto encoder = create(fixture_table());
  const auto& item = reference()["pairs"][4];
  std::vector<std::string> texts{item["text"]}, pairs{item["text_pair"]};
  rubrika::TokenBatch batch = encoder->tokenize(texts, &pairs);
  EXPECT_TRUE(at::equal(batch.token_type_ids[0], long_tensor(item["token_type_ids"])));
  c10::InferenceMode guard;
  EXPECT_LE(max_abs_diff(encoder->forward(batch).pooled[0], float_tensor(item["pooler"])), 1e-4);
}

TEST(BertPlugin, ALongTextBecomesOverlappingWindowsThatCoverIt) {
  const std::string text = reference()["single"][3]["text"];  // 55 word pieces
  toml::table table = fixture_table();
  table.insert("max_length", 32);
  auto encoder = create(table);
  const int64_t stride = 8;
  const rubrika::WindowedBatch windows = encoder->tokenize_windows({text}, stride);
  ASSERT_EQ(windows.tokens.size(), 3);  // pieces 0-29, 22-51, 44-54
  EXPECT_LE(windows.tokens.seq_len(), 32);
  EXPECT_EQ(windows.texts, 1);
  EXPECT_TRUE(at::equal(windows.text_of_row, at::zeros({3}, at::kLong)));
  // Every window is [CLS] pieces [SEP], as the reference encodes a text.
  const auto& reference_ids = reference()["single"][0]["input_ids"];
  const int64_t cls = reference_ids.front(), sep = reference_ids.back();
  for (int64_t row = 0; row < 3; ++row) {
    const int64_t real = windows.tokens.attention_mask[row].sum().item<int64_t>();
    EXPECT_EQ(windows.tokens.input_ids[row][0].item<int64_t>(), cls) << row;
    EXPECT_EQ(windows.tokens.input_ids[row][real - 1].item<int64_t>(), sep) << row;
  }
  // Consecutive windows share `stride` pieces, and together they are the whole text.
  std::vector<int64_t> joined = pieces_of(windows.tokens, 0);
  for (int64_t row = 1; row < 3; ++row) {
    const std::vector<int64_t> before = pieces_of(windows.tokens, row - 1);
    const std::vector<int64_t> here = pieces_of(windows.tokens, row);
    EXPECT_TRUE(std::equal(here.begin(), here.begin() + stride, before.end() - stride)) << row;
    joined.insert(joined.end(), here.begin() + stride, here.end());
  }
  auto whole = create(fixture_table())->tokenize({text});  // max_length 512: not cut
  EXPECT_EQ(joined, pieces_of(whole, 0));
  // A stride that leaves no room to advance is the caller's error, not a hang.
  EXPECT_THROW(encoder->tokenize_windows({text}, 30), rubrika::InputError);
}

TEST(BertPlugin, ShortTextsGiveOneWindowEachLikeTokenize) {
  toml::table table = fixture_table();
  table.insert("max_length", 32);
  table.insert("pad_to_multiple_of", 8);
  auto encoder = create(table);
  const std::string short_text = reference()["single"][0]["text"];  // 11 tokens
  const std::string long_text = reference()["single"][3]["text"];   // 3 windows
  const rubrika::WindowedBatch one = encoder->tokenize_windows({short_text}, 8);
  const rubrika::TokenBatch plain = encoder->tokenize({short_text});
  EXPECT_TRUE(at::equal(one.tokens.input_ids, plain.input_ids));
  EXPECT_TRUE(at::equal(one.tokens.attention_mask, plain.attention_mask));
  EXPECT_TRUE(at::equal(one.tokens.token_type_ids, plain.token_type_ids));
  EXPECT_EQ(one.tokens.seq_len(), 16);  // 11 rounded up to pad_to_multiple_of
  const rubrika::WindowedBatch mixed =
      encoder->tokenize_windows({short_text, long_text, short_text}, 8);
  EXPECT_EQ(mixed.texts, 3);
  EXPECT_TRUE(at::equal(mixed.text_of_row, at::tensor({0, 1, 1, 1, 2}, at::kLong)))
      << mixed.text_of_row;
  EXPECT_EQ(mixed.tokens.seq_len(), 32);
  EXPECT_EQ(pieces_of(mixed.tokens, 4), pieces_of(plain, 0));
}

TEST(BertPlugin, SavesAndReloadsFromTheArtifactFolder) {
  auto encoder = create(fixture_table());
  const fs::path dir =
      fs::temp_directory_path() / ("rubrika_bert_plugin_" + std::to_string(::getpid()));
  encoder->save(dir / "encoder");
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json",
                        "special_tokens_map.json"})
    EXPECT_TRUE(fs::exists(dir / "encoder" / f)) << f;
  rubrika::PluginContext context;
  context.artifact = dir / "encoder";
  context.use = rubrika::ArtifactUse::load;
  // `model` points elsewhere; the artifact folder wins, as when serving a trained run.
  auto reloaded = create(toml::table{{"model", "/nonexistent"}}, context);
  std::vector<std::string> texts{reference()["single"][3]["text"]};
  c10::InferenceMode guard;
  EXPECT_TRUE(at::equal(reloaded->forward(reloaded->tokenize(texts)).pooled,
                        encoder->forward(encoder->tokenize(texts)).pooled));
  fs::remove_all(dir);
}

TEST(BertPlugin, InitBuildsASeededModelFromAConfig) {
  toml::table table{{"init", toml::table{{"vocab", kTinyBert.string()},
                                         {"hidden_size", 64},
                                         {"num_hidden_layers", 1},
                                         {"num_attention_heads", 2},
                                         {"intermediate_size", 128},
                                         {"max_position_embeddings", 128}}},
                    {"max_length", 128}};
  auto a = create(table), b = create(table);
  EXPECT_EQ(a->hidden_size(), 64);
  auto params = a->named_parameters();
  EXPECT_EQ(params.front().first, "embeddings.word_embeddings.weight");
  EXPECT_EQ(params.front().second.size(0), 613);
  EXPECT_TRUE(at::equal(params.back().second, b->named_parameters().back().second));
}

TEST(BertPlugin, OptionErrorsAreRecipeErrors) {
  EXPECT_THROW(create(toml::table{}), rubrika::RecipeError);  // neither model nor init
  EXPECT_THROW(create(toml::table{{"model", kTinyBert.string()}, {"max_length", 1000}}),
               rubrika::RecipeError);  // beyond max_position_embeddings
  EXPECT_THROW(create(toml::table{{"model", kTinyBert.string()}, {"dtype", "fp8"}}),
               rubrika::RecipeError);
  EXPECT_THROW(create(toml::table{{"model", kTinyBert.string()}, {"max_lenght", 12}}),
               rubrika::RecipeError);
  EXPECT_THROW(create(toml::table{{"model", "/nonexistent/model"}}), rubrika::ArtifactError);
}

TEST(BertPlugin, Fp16InferenceOnTheCpuIsARecipeErrorNamingDtype) {
  try {
    create(toml::table{{"model", kTinyBert.string()}, {"dtype", "fp16"}});  // context: cpu
    FAIL() << "fp16 accepted on the CPU";
  } catch (const rubrika::Error& e) {
    EXPECT_STREQ(e.category(), "recipe") << e.what();
    EXPECT_NE(std::string(e.what()).find("[encoder] dtype"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("CUDA"), std::string::npos) << e.what();
  }
}

TEST(BertPlugin, Bf16InferenceStaysCloseToFp32) {
  auto fp32 = create(fixture_table());
  toml::table table = fixture_table();
  table.insert("dtype", "bf16");
  auto bf16 = create(table);
  std::vector<std::string> texts{reference()["single"][0]["text"]};
  c10::InferenceMode guard;
  auto a = fp32->forward(fp32->tokenize(texts)).pooled;
  auto b = bf16->forward(bf16->tokenize(texts)).pooled;
  EXPECT_EQ(b.scalar_type(), at::kFloat);
  EXPECT_LE(max_abs_diff(a, b), 0.1);
}

}  // namespace
