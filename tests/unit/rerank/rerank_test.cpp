// Hard-negative mining rules, ranking metrics, the listwise loss and cascade tuning on
// small constructed cases with answers worked out by hand.
#include <rubrika/error.hpp>
#include <rubrika/metrics/ranking_metrics.hpp>
#include <rubrika/rerank/cascade.hpp>
#include <rubrika/rerank/hard_negatives.hpp>
#include <rubrika/rerank/losses.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace rubrika {
namespace {

// 2 texts × 5 labels. Text 0 is label 0 (score 0.5); text 1 is label 4 (score 0.3).
const std::vector<double> kScores = {0.50, 0.30, 0.10, 0.06, 0.04, 0.40, 0.10, 0.15, 0.05, 0.30};
const std::vector<int64_t> kPositives = {0, 4};

std::vector<int64_t> labels_of(const std::vector<MinedNegative>& mined, int64_t text) {
  std::vector<int64_t> out;
  for (const auto& m : mined)
    if (m.text == text) out.push_back(m.label);
  return out;
}

TEST(Mining, ClassifierStrategyTakesTheTopRankedWrongLabels) {
  MiningOptions o;
  o.num_negatives = 2;
  MiningStats stats;
  auto mined = mine_hard_negatives(kScores, 5, kPositives, o, stats);
  EXPECT_EQ(labels_of(mined, 0), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(labels_of(mined, 1), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(stats.candidates_seen, 8);
  EXPECT_EQ(stats.kept, 4);
  EXPECT_EQ(stats.dropped_count, 4);
}

TEST(Mining, RankWindowSkipsTheTopCandidates) {
  MiningOptions o;
  o.range_min = 1;
  o.range_max = 3;
  MiningStats stats;
  auto mined = mine_hard_negatives(kScores, 5, kPositives, o, stats);
  EXPECT_EQ(labels_of(mined, 0), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(labels_of(mined, 1), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(stats.dropped_window, 4);
  EXPECT_EQ(mined[0].rank, 1);
}

TEST(Mining, MaxScoreAndMarginsFilter) {
  MiningOptions o;
  o.num_negatives = 10;
  o.max_score = 0.35;  // drops text 1's label 0 (0.40)
  MiningStats stats;
  auto mined = mine_hard_negatives(kScores, 5, kPositives, o, stats);
  EXPECT_EQ(stats.dropped_max_score, 1);
  EXPECT_EQ(labels_of(mined, 1), (std::vector<int64_t>{2, 1, 3}));

  o.max_score = 1e300;
  o.absolute_margin = 0.24;  // text 0: keep ≤ 0.26 → drops 0.30; text 1: keep ≤ 0.06
  mined = mine_hard_negatives(kScores, 5, kPositives, o, stats);
  EXPECT_EQ(labels_of(mined, 0), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(labels_of(mined, 1), (std::vector<int64_t>{3}));
  EXPECT_EQ(stats.dropped_absolute_margin, 4);

  o.absolute_margin = 0;
  o.relative_margin = 0.45;  // text 0: keep ≤ 0.275; text 1: keep ≤ 0.165
  mined = mine_hard_negatives(kScores, 5, kPositives, o, stats);
  EXPECT_EQ(labels_of(mined, 0), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(labels_of(mined, 1), (std::vector<int64_t>{2, 1, 3}));
  EXPECT_EQ(stats.dropped_relative_margin, 2);
}

TEST(Mining, RandomStrategyIsSeededAndNeverPicksThePositive) {
  MiningOptions o;
  o.strategy = MiningStrategy::random;
  o.num_negatives = 4;
  MiningStats stats;
  auto a = mine_hard_negatives(kScores, 5, kPositives, o, stats);
  auto b = mine_hard_negatives(kScores, 5, kPositives, o, stats);
  EXPECT_EQ(labels_of(a, 0), labels_of(b, 0));
  for (const auto& m : a) EXPECT_NE(m.label, kPositives[static_cast<size_t>(m.text)]);
  EXPECT_EQ(a.size(), 8u);
}

TEST(Mining, BadInputIsAnError) {
  MiningOptions o;
  MiningStats stats;
  EXPECT_THROW(mine_hard_negatives({0.1, 0.2}, 5, kPositives, o, stats), InputError);
  EXPECT_THROW(mine_hard_negatives(kScores, 5, {0, 9}, o, stats), InputError);
}

TEST(RankingMetrics, HandComputedCase) {
  // ranks 1, 2, absent (0), 4 with k = 3: the 4 counts as absent.
  auto m = ranking_metrics({1, 2, 0, 4}, 3);
  EXPECT_EQ(m.n, 4);
  EXPECT_DOUBLE_EQ(m.mrr, (1.0 + 0.5) / 4);
  EXPECT_DOUBLE_EQ(m.ndcg, (1.0 + 1.0 / std::log2(3.0)) / 4);
  EXPECT_DOUBLE_EQ(m.top1, 0.25);
}

TEST(Losses, ListwiseValueAndGradientDirection) {
  auto scores = at::tensor({2.0, 1.0, 0.0}).view({1, 3}).set_requires_grad(true);
  auto loss = listwise_loss(scores);
  const double expected = -std::log(std::exp(2.0) / (std::exp(2.0) + std::exp(1.0) + 1.0));
  EXPECT_NEAR(loss.item<double>(), expected, 1e-12);
  loss.backward();
  auto grad = scores.grad();
  EXPECT_LT(grad[0][0].item<double>(), 0);  // gradient descent raises the positive
  EXPECT_GT(grad[0][1].item<double>(), 0);  // and lowers the negatives
  EXPECT_GT(grad[0][2].item<double>(), 0);
  EXPECT_THROW(listwise_loss(at::zeros({3})), InputError);
}

TEST(Losses, PointwisePosWeightScalesPositives) {
  auto scores = at::tensor({0.0, 0.0}, at::kDouble);
  auto plain = pointwise_loss(scores, at::tensor({1.0, 0.0}, at::kDouble), 1.0).item<double>();
  EXPECT_NEAR(plain, std::log(2.0), 1e-12);
  auto weighted = pointwise_loss(scores, at::tensor({1.0, 1.0}, at::kDouble), 3.0).item<double>();
  EXPECT_NEAR(weighted, 3 * std::log(2.0), 1e-12);
}

CascadeExample example(double margin, int64_t truth, std::vector<int64_t> candidates,
                       std::vector<double> reranker) {
  CascadeExample e;
  e.margin = margin;
  e.truth = truth;
  e.candidates = std::move(candidates);
  e.probabilities.assign(e.candidates.size(), 0.3);
  e.reranker_scores = std::move(reranker);
  return e;
}

TEST(Cascade, RoutesOnlyLowMarginTextsWithinBudget) {
  // Text 0: unsure and wrong, the reranker fixes it. Text 1: unsure and right, the reranker
  // would break it. Texts 2-3: sure and right.
  std::vector<CascadeExample> examples = {
      example(0.01, 1, {0, 1}, {0.0, 2.0}),
      example(0.05, 0, {0, 1}, {0.0, 2.0}),
      example(0.60, 0, {0, 1}, {1.0, 0.0}),
      example(0.70, 1, {1, 0}, {1.0, 0.0}),
  };
  auto choice = tune_cascade(examples, 0.5, {0.0});
  EXPECT_DOUBLE_EQ(choice.accuracy_without, 0.75);
  EXPECT_DOUBLE_EQ(choice.accuracy_with, 1.0);
  EXPECT_DOUBLE_EQ(choice.trigger_rate, 0.25);
  EXPECT_GT(choice.tau, 0.01);
  EXPECT_LT(choice.tau, 0.05);

  auto none = tune_cascade(examples, 0.0, {0.0});  // no budget: never rerank
  EXPECT_DOUBLE_EQ(none.trigger_rate, 0.0);
  EXPECT_DOUBLE_EQ(none.accuracy_with, 0.75);
}

TEST(Cascade, FusionWeightCanOverruleAWeakReranker) {
  CascadeExample e = example(0.1, 0, {0, 1}, {0.0, 0.5});
  e.probabilities = {0.6, 0.4};
  EXPECT_EQ(cascade_pick(e, 0.0), 1);  // reranker alone
  EXPECT_EQ(cascade_pick(e, 2.0), 0);  // 2·log(0.6/0.4) = 0.81 > 0.5
}

}  // namespace
}  // namespace rubrika
