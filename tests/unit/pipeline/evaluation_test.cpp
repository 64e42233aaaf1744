// evaluate_pipeline on a pipeline of fake components whose answers the test chooses: the
// metrics `rubrika eval` prints, the reranker's fixed/broken counts, and texts that end
// as the "Other" label after the reranker ran.
#include "row_components.hpp"

#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/evaluation.hpp>
#include <rubrika/head.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/reranker.hpp>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace rubrika {
namespace {

using testing::RowEncoder;
using testing::TableHead;

// Prefers the candidate text "C" whatever the text.
class PrefersC : public Reranker {
 public:
  torch::Tensor score_pairs(const std::vector<std::string>&,
                            const std::vector<std::string>& candidates) override {
    std::vector<double> scores;
    for (const auto& c : candidates) scores.push_back(c == "C" ? 10.0 : 0.0);
    return torch::tensor(scores, torch::kDouble);
  }
  void save(const std::filesystem::path&) const override {}
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}
};

// Labels a, b, c. Row 0: sure of a. Row 1: a (p 0.49) just ahead of b (0.44): reranked to
// c. Row 2: a barely ahead in a three-way near-tie: reranked to c, then rejected as Other
// (top-1 p 0.336 < tau_other 0.35). Row 3: sure of b.
std::unique_ptr<Pipeline> make_pipeline() {
  torch::Tensor logits =
      torch::tensor({{5.0, 0.0, 0.0}, {2.0, 1.9, 0.0}, {0.01, 0.0, 0.0}, {0.0, 5.0, 0.0}})
          .to(torch::kFloat);
  auto pipeline = std::make_unique<Pipeline>(
      [](std::string_view t) { return std::string(t); }, LabelSet({"a", "b", "c"}),
      std::make_unique<RowEncoder>(), std::make_unique<TableHead>(logits));
  pipeline->set_reranker(std::make_unique<PrefersC>(), {{"a", "A"}, {"b", "B"}, {"c", "C"}});
  DecisionOptions decision;
  decision.tau_other = 0.35;
  decision.rerank_tau = 0.2;  // rows 1 and 2 have a top-2 margin below 0.2
  decision.rerank_weight = 0.0;
  decision.rerank_candidates = 3;
  pipeline->set_decision(decision);
  return pipeline;
}

TEST(EvaluatePipeline, CountsWhatTheRerankerFixedAndBrokeAndTheOtherLabel) {
  auto pipeline = make_pipeline();
  // Truths: row 1 is really c (the reranker fixes it), row 2 is really a (rejected as
  // Other: the reranker's choice never reaches the answer, so it neither fixes nor breaks).
  const EvaluationResult r = evaluate_pipeline(*pipeline, {"0", "1", "2", "3"}, {0, 2, 0, 1});
  EXPECT_EQ(r.texts, 4u);
  EXPECT_EQ(r.reranked, 2u);
  EXPECT_EQ(r.rerank_fixed, 1u);
  EXPECT_EQ(r.rerank_broke, 0u);
  EXPECT_DOUBLE_EQ(r.other_rate, 0.25);
  EXPECT_DOUBLE_EQ(r.classifier.accuracy, 0.75);    // classifier top-1: a, a, a, b
  EXPECT_DOUBLE_EQ(r.final_labels.accuracy, 0.75);  // final: a, c, Other, b
}

TEST(EvaluatePipeline, ARerankedTextThatBecomesWrongIsBroken) {
  auto pipeline = make_pipeline();
  const EvaluationResult r = evaluate_pipeline(*pipeline, {"1"}, {0});  // truly a; reranked to c
  EXPECT_EQ(r.rerank_fixed, 0u);
  EXPECT_EQ(r.rerank_broke, 1u);
  EXPECT_DOUBLE_EQ(r.final_labels.accuracy, 0.0);
}

TEST(EvaluatePipeline, MismatchedOrOutOfRangeLabelsAreInputErrors) {
  auto pipeline = make_pipeline();
  EXPECT_THROW(evaluate_pipeline(*pipeline, {"0", "1"}, {0}), InputError);
  EXPECT_THROW(evaluate_pipeline(*pipeline, {"0"}, {3}), InputError);
  EXPECT_THROW(evaluate_pipeline(*pipeline, {}, {}), InputError);
}

}  // namespace
}  // namespace rubrika
