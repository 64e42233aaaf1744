// The `bert` plugin through the real registry: options, tokenizer, parity, save/reload.
#include "reference.hpp"

#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
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
