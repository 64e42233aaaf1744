// [long_text] options, pooling windows into texts, and the default one-row-per-text windows.
#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/long_text.hpp>

#include "recipe_testing.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace rubrika {
namespace {

using test::recipe_error;

toml::table parse(const std::string& text) { return test::parse_recipe_table(text); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(LongTextOptions, AnEmptyTableTruncates) {
  const LongTextOptions o = LongTextOptions::from_toml(toml::table{});
  EXPECT_EQ(o.mode, LongTextMode::truncate);
  EXPECT_FALSE(o.windows());
  EXPECT_EQ(o.stride, 32);
  EXPECT_EQ(o.pool, WindowPool::max);
}

TEST(LongTextOptions, ReadsWindowsAndWritesThemBack) {
  const LongTextOptions o =
      LongTextOptions::from_toml(parse("mode = \"windows\"\nstride = 0\npool = \"mean\"\n"));
  EXPECT_TRUE(o.windows());
  EXPECT_EQ(o.stride, 0);
  EXPECT_EQ(o.pool, WindowPool::mean);
  const LongTextOptions again = LongTextOptions::from_toml(o.to_toml());
  EXPECT_TRUE(again.windows());
  EXPECT_EQ(again.stride, 0);
  EXPECT_EQ(again.pool, WindowPool::mean);
}

TEST(LongTextOptions, TruncateWritesOnlyItsModeSoTheTableReadsBack) {
  const toml::table written = LongTextOptions{}.to_toml();
  EXPECT_EQ(written.size(), 1u);
  EXPECT_EQ(written["mode"].value<std::string>(), "truncate");
  EXPECT_FALSE(LongTextOptions::from_toml(written).windows());
}

TEST(LongTextOptions, StrideOrPoolWithTruncateIsAnError) {
  RecipeError e =
      recipe_error([] { LongTextOptions::from_toml(parse("mode = \"truncate\"\nstride = 16\n")); });
  EXPECT_TRUE(contains(e.problem(), "[long_text] stride")) << e.what();
  EXPECT_EQ(e.where(), "/recipes/r.toml:2:10");
  EXPECT_TRUE(contains(e.hint(), "mode = \"windows\"")) << e.what();
  // The default mode is truncate too.
  e = recipe_error([] { LongTextOptions::from_toml(parse("pool = \"mean\"\n")); });
  EXPECT_TRUE(contains(e.problem(), "[long_text] pool")) << e.what();
}

TEST(LongTextOptions, BadValuesAndUnknownKeysAreErrorsAtTheirLine) {
  RecipeError e = recipe_error(
      [] { LongTextOptions::from_toml(parse("mode = \"windows\"\npool = \"sum\"\n")); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:2:8");
  EXPECT_TRUE(contains(e.what(), "mean")) << e.what();  // lists the valid names
  e = recipe_error([] { LongTextOptions::from_toml(parse("mode = \"windows\"\nstride = -1\n")); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:2:10");
  e = recipe_error([] { LongTextOptions::from_toml(parse("mode = \"slices\"\n")); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:1:8");
  e = recipe_error([] { LongTextOptions::from_toml(parse("mode = \"windows\"\nstrides = 8\n")); });
  EXPECT_TRUE(contains(e.problem(), "unknown key 'strides'")) << e.what();
  EXPECT_EQ(e.hint(), "did you mean 'stride'?");
}

// Five windows of three texts: text 0 has rows 0-1, text 1 row 2, text 2 rows 3-4.
at::Tensor window_logits() {
  return at::tensor({1.f, 5.f, 3.f, 2.f, 7.f, 0.f, 4.f, 4.f, 6.f, 8.f}).view({5, 2});
}
at::Tensor text_of_row() { return at::tensor({0, 0, 1, 2, 2}, at::kLong); }

TEST(PoolWindows, MaxTakesEachTextsHighestLogitPerLabel) {
  const at::Tensor pooled = pool_windows(window_logits(), text_of_row(), 3, WindowPool::max);
  EXPECT_TRUE(at::equal(pooled, at::tensor({3.f, 5.f, 7.f, 0.f, 6.f, 8.f}).view({3, 2}))) << pooled;
}

TEST(PoolWindows, MeanAveragesEachTextsWindows) {
  const at::Tensor pooled = pool_windows(window_logits(), text_of_row(), 3, WindowPool::mean);
  EXPECT_TRUE(at::allclose(pooled, at::tensor({2.f, 3.5f, 7.f, 0.f, 5.f, 6.f}).view({3, 2})))
      << pooled;
}

TEST(PoolWindows, GradientsReachTheWindowsThatCount) {
  at::Tensor rows = window_logits().requires_grad_(true);
  pool_windows(rows, text_of_row(), 3, WindowPool::max).sum().backward();
  // The maximum of each text and label gets the whole gradient, the others none; text 1's
  // 0 as well (its only window: a maximum of 0 is no tie with any starting value).
  EXPECT_TRUE(at::equal(
      rows.grad(), at::tensor({0.f, 1.f, 1.f, 0.f, 1.f, 1.f, 0.f, 0.f, 1.f, 1.f}).view({5, 2})))
      << rows.grad();
  rows.grad().zero_();
  pool_windows(rows, text_of_row(), 3, WindowPool::mean).sum().backward();
  // Each window gets 1 / (its text's windows).
  EXPECT_TRUE(at::allclose(
      rows.grad(), at::tensor({.5f, .5f, .5f, .5f, 1.f, 1.f, .5f, .5f, .5f, .5f}).view({5, 2})))
      << rows.grad();
}

TEST(PoolWindows, KeepsTrailingDimensionsAndRejectsMismatchedRows) {
  const at::Tensor rows = at::arange(5 * 3 * 2, at::kFloat).view({5, 3, 2});
  EXPECT_EQ(pool_windows(rows, text_of_row(), 3, WindowPool::mean).sizes(),
            (at::IntArrayRef{3, 3, 2}));
  EXPECT_THROW(pool_windows(rows, at::tensor({0, 1}, at::kLong), 2, WindowPool::max), InputError);
}

TEST(PoolEncoderOutput, GivesOneMeanVectorOfEachKindPerText) {
  EncoderOutput windows;
  windows.last_hidden_state = at::arange(5 * 3 * 2, at::kFloat).view({5, 3, 2});
  windows.attention_mask =
      at::tensor({1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0}, at::kLong).view({5, 3});
  windows.cls = windows.last_hidden_state.select(1, 0);  // [5, 2]; pooled stays undefined
  const EncoderOutput texts = pool_encoder_output(windows, text_of_row(), 3);
  ASSERT_EQ(texts.cls.sizes(), (at::IntArrayRef{3, 2}));
  EXPECT_FALSE(texts.pooled.defined());
  ASSERT_EQ(texts.last_hidden_state.sizes(), (at::IntArrayRef{3, 1, 2}));
  EXPECT_TRUE(at::equal(texts.attention_mask, at::ones({3, 1}, at::kLong)));
  // Text 2's windows 3 and 4 have mean vectors ((18, 19) + (20, 21)) / 2 and (24, 25).
  EXPECT_TRUE(at::allclose(texts.mean_pooled()[2], at::tensor({21.5f, 22.5f})))
      << texts.mean_pooled();
  EXPECT_TRUE(at::allclose(texts.cls[0], at::tensor({3.f, 4.f})));  // (0, 1) and (6, 7)
}

// Text "<n>" → one row of n ones: the shape of a batch, nothing more.
class OnesEncoder : public Encoder {
 public:
  TokenBatch tokenize(const std::vector<std::string>& texts,
                      const std::vector<std::string>*) const override {
    const auto n = static_cast<int64_t>(texts.size());
    at::Tensor mask = at::zeros({n, 4}, at::kLong);
    for (int64_t i = 0; i < n; ++i) mask[i].narrow(0, 0, std::stoll(texts[i])).fill_(1);
    return {mask.clone(), mask, at::zeros({n, 4}, at::kLong)};
  }
  EncoderOutput forward(const TokenBatch&, bool) override { return {}; }
  int64_t hidden_size() const override { return 1; }
  int64_t max_length() const override { return 4; }
  void save(const std::filesystem::path&) const override {}
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}
};

TEST(DefaultTokenizeWindows, GivesOneRowPerTextAsTokenizeDoes) {
  OnesEncoder encoder;
  const std::vector<std::string> texts{"2", "4", "1"};
  const WindowedBatch windows = encoder.tokenize_windows(texts, 1);
  EXPECT_EQ(windows.texts, 3);
  EXPECT_TRUE(at::equal(windows.text_of_row, at::tensor({0, 1, 2}, at::kLong)));
  const TokenBatch plain = encoder.tokenize(texts, nullptr);
  EXPECT_TRUE(at::equal(windows.tokens.input_ids, plain.input_ids));
  EXPECT_TRUE(at::equal(windows.tokens.attention_mask, plain.attention_mask));
  EXPECT_THROW(encoder.tokenize_windows(texts, -1), InputError);
}

}  // namespace
}  // namespace rubrika
