// Masking for masked-language-model pretraining: the share of tokens chosen, the 80/10/10
// rule, specials never chosen, whole words, seeded draws and fresh draws per call.
#include <rubrika/error.hpp>
#include <rubrika/train/token_masking.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

namespace rubrika {
namespace {

// [PAD] [CLS] [SEP] [MASK] [UNK], then words and "##" pieces.
std::vector<std::string> tokens() {
  std::vector<std::string> t = {"[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]"};
  for (int i = 0; i < 45; ++i) t.push_back("w" + std::to_string(i));
  for (int i = 0; i < 50; ++i) t.push_back("##p" + std::to_string(i));
  return t;
}

const MaskingVocabulary& vocabulary() {
  static const MaskingVocabulary v = MaskingVocabulary::from_tokens(tokens(), "test vocab");
  return v;
}

// `rows` texts of [CLS] + `words` words of one piece and one "##" piece + [SEP], padded by 3.
std::pair<at::Tensor, at::Tensor> batch(int64_t rows, int64_t words) {
  const int64_t seq = 2 * words + 2 + 3;
  at::Tensor ids = at::zeros({rows, seq}, at::kLong), mask = at::zeros({rows, seq}, at::kLong);
  for (int64_t r = 0; r < rows; ++r) {
    ids[r][0] = 1;
    for (int64_t w = 0; w < words; ++w) {
      ids[r][1 + 2 * w] = 5 + (r + w) % 45;
      ids[r][2 + 2 * w] = 50 + (r * 7 + w) % 50;
    }
    ids[r][2 * words + 1] = 2;
    mask.narrow(1, 0, 2 * words + 2)[r].fill_(1);
  }
  return {ids, mask};
}

at::Generator seeded(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TEST(TokenMasking, ChoosesFifteenPercentAndAppliesTheEightyTenTenRule) {
  const auto [ids, mask] = batch(400, 30);  // 24000 real tokens
  const MaskedTokens out = mask_tokens(ids, mask, vocabulary(), {}, seeded(1));
  const at::Tensor chosen = out.labels != kIgnoredLabel;
  const double real = 400.0 * 60;
  EXPECT_NEAR(static_cast<double>(out.chosen) / real, 0.15, 0.01);
  EXPECT_EQ(chosen.sum().item<int64_t>(), out.chosen);
  EXPECT_TRUE(at::equal(out.labels.index({chosen}), ids.index({chosen})));  // predict originals
  const double n = static_cast<double>(out.chosen);
  const at::Tensor masked = out.input_ids.index({chosen});
  const at::Tensor original = ids.index({chosen});
  const double as_mask = (masked == vocabulary().mask_id).sum().item<double>() / n;
  const double kept = (masked == original).sum().item<double>() / n;
  EXPECT_NEAR(as_mask, 0.8, 0.02);
  EXPECT_NEAR(kept, 0.1 + 0.1 / 100, 0.02);  // kept, or a random draw of the same token
  // Positions not chosen are untouched.
  EXPECT_TRUE(at::equal(out.input_ids.index({~chosen}), ids.index({~chosen})));
}

TEST(TokenMasking, NeverChoosesSpecialsUnknownOrPadding) {
  const auto [ids, mask] = batch(200, 4);
  ids.select(1, 1).fill_(4);  // every first word [UNK]
  MaskingOptions options;
  options.probability = 0.9;
  const MaskedTokens out = mask_tokens(ids, mask, vocabulary(), options, seeded(2));
  const at::Tensor chosen = out.labels != kIgnoredLabel;
  const at::Tensor special = (ids <= 4) | (mask == 0);
  EXPECT_EQ((chosen & special).sum().item<int64_t>(), 0);
  EXPECT_GT(out.chosen, 0);
}

TEST(TokenMasking, WholeWordsGoTogether) {
  const auto [ids, mask] = batch(300, 10);
  MaskingOptions options;
  options.whole_word = true;
  const MaskedTokens out = mask_tokens(ids, mask, vocabulary(), options, seeded(3));
  const at::Tensor chosen = out.labels != kIgnoredLabel;
  // Word w is pieces 1+2w and 2+2w: both chosen or neither.
  for (int64_t w = 0; w < 10; ++w)
    EXPECT_TRUE(at::equal(chosen.select(1, 1 + 2 * w), chosen.select(1, 2 + 2 * w))) << w;
  EXPECT_NEAR(chosen.select(1, 1).to(at::kDouble).mean().item<double>(), 0.15, 0.06);
}

TEST(TokenMasking, TheSameSeedGivesTheSameMasksAndEachCallDrawsAfresh) {
  const auto [ids, mask] = batch(50, 20);
  const MaskedTokens a = mask_tokens(ids, mask, vocabulary(), {}, seeded(4));
  const MaskedTokens b = mask_tokens(ids, mask, vocabulary(), {}, seeded(4));
  EXPECT_TRUE(at::equal(a.input_ids, b.input_ids));
  EXPECT_TRUE(at::equal(a.labels, b.labels));
  at::Generator one = seeded(5);
  const MaskedTokens first = mask_tokens(ids, mask, vocabulary(), {}, one);
  const MaskedTokens second = mask_tokens(ids, mask, vocabulary(), {}, one);
  EXPECT_FALSE(at::equal(first.labels, second.labels)) << "dynamic masking: a new draw per call";
}

TEST(TokenMasking, AShortBatchStillHasAPositionToPredict) {
  const auto [ids, mask] = batch(1, 1);  // [CLS] w ##p [SEP]
  MaskingOptions options;
  options.probability = 0.01;
  for (uint64_t seed = 0; seed < 20; ++seed)
    EXPECT_GE(mask_tokens(ids, mask, vocabulary(), options, seeded(seed)).chosen, 1) << seed;
}

TEST(TokenMasking, AVocabularyWithoutMaskIsRefusedByName) {
  try {
    (void)MaskingVocabulary::from_tokens({"[PAD]", "[CLS]", "[SEP]", "a"}, "my/vocab.txt");
    FAIL() << "accepted";
  } catch (const ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("[MASK]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("my/vocab.txt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rubrika
