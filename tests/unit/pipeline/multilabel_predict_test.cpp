// What a multi-label run answers, on a pipeline of fake components whose logits the test
// chooses: each label on at its own threshold, no label on answered as such (not the top
// one), out-of-domain texts with no label, long texts whose windows' logits are pooled, and
// the [decision] / [long_text] keys that choose all this.
#include "row_components.hpp"

#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>
#include <rubrika/head.hpp>
#include <rubrika/long_text.hpp>
#include <rubrika/ood_scorer.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/prediction_json.hpp>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

namespace rubrika {
namespace {

using testing::RowEncoder;
using testing::TableHead;

// Flags row 3 as out-of-domain.
class FlagsRowThree : public OodScorer {
 public:
  void fit(const OodInputs&, const torch::Tensor&) override {}
  std::map<std::string, double> fit_thresholds(const OodInputs&) override { return {}; }
  torch::Tensor score(const OodInputs& inputs) const override {
    return (inputs.encoded->cls.squeeze(1) == 3).to(torch::kDouble);
  }
  torch::Tensor flag(const OodInputs&, const torch::Tensor& scores) const override {
    return scores > 0.5;
  }
  TensorMap state() const override { return {}; }
  void load_state(const TensorMap&) override {}
};

double logit(double p) { return std::log(p / (1 - p)); }

// Labels a, b, c. Row 0: p = (0.9, 0.6, 0.1). Row 1: p = (0.3, 0.2, 0.1), no label near 0.5.
// Row 2: p = (0.1, 0.1, 0.8). Row 3: p = (0.9, 0.9, 0.9), out-of-domain.
std::unique_ptr<Pipeline> make_pipeline() {
  const torch::Tensor logits = torch::tensor({{logit(0.9), logit(0.6), logit(0.1)},
                                              {logit(0.3), logit(0.2), logit(0.1)},
                                              {logit(0.1), logit(0.1), logit(0.8)},
                                              {logit(0.9), logit(0.9), logit(0.9)}})
                                   .to(torch::kFloat);
  auto pipeline = std::make_unique<Pipeline>(
      [](std::string_view t) { return std::string(t); }, LabelSet({"a", "b", "c"}),
      std::make_unique<RowEncoder>(), std::make_unique<TableHead>(logits, TaskType::multi_label));
  pipeline->add_ood_scorer("rows", std::make_unique<FlagsRowThree>());
  return pipeline;
}

std::vector<Prediction> predict(Pipeline& pipeline, const std::vector<std::string>& texts) {
  return pipeline.predict(texts, PredictOptions{});
}

TEST(MultiLabelPredict, EachLabelIsOnAtItsOwnThreshold) {
  auto pipeline = make_pipeline();
  pipeline->set_label_thresholds({0.5, 0.7, 0.05});
  const auto p = predict(*pipeline, {"0"})[0];
  EXPECT_TRUE(p.multi_label);
  EXPECT_EQ(p.labels, (std::vector<std::string>{"a", "c"}));  // b: 0.6 < 0.7; c: 0.1 ≥ 0.05
  ASSERT_EQ(p.label_scores.size(), 3u);
  EXPECT_NEAR(p.label_scores[1].p, 0.6, 1e-6);
  EXPECT_DOUBLE_EQ(p.label_scores[1].threshold, 0.7);
  EXPECT_FALSE(p.label_scores[1].on);
}

TEST(MultiLabelPredict, WithoutThresholdsEveryLabelUsesHalf) {
  auto pipeline = make_pipeline();
  EXPECT_EQ(pipeline->label_thresholds(), (std::vector<double>{0.5, 0.5, 0.5}));
  EXPECT_EQ(predict(*pipeline, {"0"})[0].labels, (std::vector<std::string>{"a", "b"}));
}

TEST(MultiLabelPredict, AnItemWithNoLabelOnIsAnsweredWithNoneNotTheTopOne) {
  auto pipeline = make_pipeline();
  const auto p = predict(*pipeline, {"1"})[0];
  EXPECT_TRUE(p.labels.empty());
  EXPECT_FALSE(p.is_other);
  const nlohmann::json j = prediction_json(p);
  EXPECT_TRUE(j["labels"].is_array());
  EXPECT_TRUE(j["labels"].empty());
  EXPECT_EQ(j["label_scores"].size(), 3u);
  EXPECT_FALSE(j.contains("top_k"));
}

TEST(MultiLabelPredict, AnOutOfDomainItemHasNoLabelAndIsOther) {
  auto pipeline = make_pipeline();
  const auto p = predict(*pipeline, {"3"})[0];
  EXPECT_TRUE(p.ood.flag);
  EXPECT_TRUE(p.is_other);
  EXPECT_TRUE(p.labels.empty());
  DecisionOptions keep;
  keep.reject_ood = false;
  pipeline->set_decision(keep);
  EXPECT_EQ(predict(*pipeline, {"3"})[0].labels, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(MultiLabelPredict, ThresholdsMustBeOnePerLabelWithinZeroAndOne) {
  auto pipeline = make_pipeline();
  EXPECT_THROW(pipeline->set_label_thresholds({0.5, 0.5}), Error);
  EXPECT_THROW(pipeline->set_label_thresholds({0.5, 1.5, 0.5}), Error);
}

TEST(MultiLabelPredict, WindowsLogitsArePooledByMaxOrMean) {
  auto pipeline = make_pipeline();
  LongTextOptions windows;
  windows.mode = LongTextMode::windows;
  windows.stride = 3;  // below max_length 8 − 2
  pipeline->set_long_text(windows);
  // Text "0,2": windows 0 (a 0.9, c 0.1) and 2 (a 0.1, c 0.8). Max: a and c on.
  const auto pooled = predict(*pipeline, {"0,2", "1"});
  EXPECT_EQ(pooled[0].labels, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_NEAR(pooled[0].label_scores[2].p, 0.8, 1e-6);
  EXPECT_TRUE(pooled[1].labels.empty()) << "a one-window text next to a two-window one";
  windows.pool = WindowPool::mean;
  pipeline->set_long_text(windows);
  // Mean of the logits: a: logit(0.9) + logit(0.1) = 0 → p 0.5.
  EXPECT_NEAR(predict(*pipeline, {"0,2"})[0].label_scores[0].p, 0.5, 1e-6);
  EXPECT_EQ(pipeline->prepare("0,2").tokens.size(), 2) << "one token row per window";
  windows.stride = 6;
  EXPECT_THROW(pipeline->set_long_text(windows), RecipeError) << "windows would not advance";
}

TEST(DecisionOptions, ThresholdStrategyAndItsTargetAreReadAndKeysThatDoNotApplyAreErrors) {
  const auto read = [](const std::string& text) {
    return DecisionOptions::from_toml(toml::parse(text));
  };
  EXPECT_EQ(read("").threshold_strategy, metrics::ThresholdStrategy::f1);
  const DecisionOptions precise =
      read("threshold_strategy = \"precision_at\"\nthreshold_target = 0.9");
  EXPECT_EQ(precise.threshold_strategy, metrics::ThresholdStrategy::precision_at);
  EXPECT_DOUBLE_EQ(precise.threshold_target, 0.9);
  EXPECT_DOUBLE_EQ(read("threshold_strategy = \"fixed\"").threshold_target, 0.5);
  EXPECT_THROW(read("threshold_strategy = \"recall_at\""), RecipeError) << "needs a target";
  EXPECT_THROW(read("threshold_target = 0.9"), RecipeError) << "f1 has no target";
  EXPECT_THROW(read("threshold_strategy = \"youden\""), RecipeError);
  EXPECT_THROW(read("threshold_strategy = \"fixed\"\nthreshold_target = 1.5"), RecipeError);
  // What pipeline.toml keeps reads back the same.
  const DecisionOptions again = DecisionOptions::from_toml(precise.to_toml());
  EXPECT_EQ(again.threshold_strategy, precise.threshold_strategy);
  EXPECT_DOUBLE_EQ(again.threshold_target, 0.9);
  EXPECT_NO_THROW(DecisionOptions::from_toml(read("").to_toml()));
}

}  // namespace
}  // namespace rubrika
