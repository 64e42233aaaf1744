// Per-label thresholds and the "multilabel" section of metrics.json on four hand-computed
// texts: label "a" is scikit-learn's roc_auc_score example, label "b" is on for every text
// (so its ranking figures are undefined).
#include <rubrika/error.hpp>
#include <rubrika/multilabel_evaluation.hpp>

#include <gtest/gtest.h>

namespace rubrika {
namespace {

using metrics::ThresholdStrategy;

const std::vector<std::string> kLabels = {"a", "b"};
const std::vector<std::vector<double>> kProbabilities = {
    {0.8, 0.1}, {0.4, 0.6}, {0.35, 0.7}, {0.1, 0.2}};
const std::vector<std::vector<bool>> kTruth = {{1, 1}, {0, 1}, {1, 1}, {0, 1}};

TEST(MultiLabelEvaluation, F1ThresholdsAndTheirReport) {
  const LabelThresholds t =
      choose_label_thresholds(kLabels, kProbabilities, kTruth, ThresholdStrategy::f1, 0.0);
  ASSERT_EQ(t.thresholds.size(), 2u);
  // a: {0.8, 0.4, 0.35} on (tp 2, fp 1) between 0.35 and 0.1; b: every text on at 0.
  EXPECT_DOUBLE_EQ(t.thresholds[0], 0.225);
  EXPECT_DOUBLE_EQ(t.thresholds[1], 0.0);
  const auto& r = t.report;
  EXPECT_EQ(r.at("strategy"), "f1");
  EXPECT_FALSE(r.contains("target"));  // f1 has none
  EXPECT_EQ(r.at("chosen_on"), "validation");
  EXPECT_EQ(r.at("n"), 4);
  const auto& a = r.at("per_label").at("a");
  EXPECT_DOUBLE_EQ(a.at("threshold").get<double>(), 0.225);
  EXPECT_NEAR(a.at("precision").get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(a.at("recall").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(a.at("f1").get<double>(), 0.8);
  EXPECT_EQ(a.at("target_met"), true);
  EXPECT_DOUBLE_EQ(r.at("per_label").at("b").at("f1").get<double>(), 1.0);
}

TEST(MultiLabelEvaluation, PrecisionTargetIsReported) {
  const LabelThresholds t = choose_label_thresholds(kLabels, kProbabilities, kTruth,
                                                    ThresholdStrategy::precision_at, 0.9);
  EXPECT_EQ(t.report.at("strategy"), "precision_at");
  EXPECT_DOUBLE_EQ(t.report.at("target").get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(t.thresholds[0], 0.6);  // only 0.8 on: precision 1
  EXPECT_DOUBLE_EQ(t.thresholds[1], 0.0);  // every text positive: precision 1 even all on
}

TEST(MultiLabelEvaluation, LabelWithoutPositivesIsFlagged) {
  const LabelThresholds t = choose_label_thresholds({"a", "none"}, {{0.9, 0.3}, {0.2, 0.8}},
                                                    {{1, 0}, {0, 0}}, ThresholdStrategy::f1, 0.0);
  EXPECT_DOUBLE_EQ(t.thresholds[1], 0.5);
  EXPECT_EQ(t.report.at("per_label").at("none").at("target_met"), false);
  EXPECT_EQ(t.report.at("per_label").at("a").at("target_met"), true);
}

TEST(MultiLabelEvaluation, ChooseThresholdsRejectsBadShapes) {
  EXPECT_THROW(
      choose_label_thresholds(kLabels, {{0.1, 0.2, 0.3}}, {{1, 0}}, ThresholdStrategy::f1, 0.0),
      InputError);
  EXPECT_THROW(
      choose_label_thresholds(kLabels, kProbabilities, {{1, 0}}, ThresholdStrategy::f1, 0.0),
      InputError);
  EXPECT_THROW(
      choose_label_thresholds({"a", "a"}, kProbabilities, kTruth, ThresholdStrategy::f1, 0.0),
      InputError);
  EXPECT_THROW(
      choose_label_thresholds(kLabels, kProbabilities, kTruth, ThresholdStrategy::recall_at, 2.0),
      InputError);
}

TEST(MultiLabelEvaluation, PerLabelFigures) {
  const auto j = multilabel_evaluation_json(kLabels, kProbabilities, kTruth, {0.225, 0.5});
  EXPECT_EQ(j.at("n"), 4);
  const auto& a = j.at("per_label").at("a");
  EXPECT_DOUBLE_EQ(a.at("threshold").get<double>(), 0.225);
  EXPECT_EQ(a.at("support"), 2);
  EXPECT_EQ(a.at("negatives"), 2);
  EXPECT_NEAR(a.at("roc_auc").get<double>(), 0.75, 1e-12);
  EXPECT_NEAR(a.at("average_precision").get<double>(), 5.0 / 6.0, 1e-12);
  EXPECT_EQ(a.at("tuned").at("tp"), 2);
  EXPECT_EQ(a.at("tuned").at("fp"), 1);
  EXPECT_EQ(a.at("tuned").at("fn"), 0);
  EXPECT_EQ(a.at("tuned").at("tn"), 1);
  EXPECT_DOUBLE_EQ(a.at("tuned").at("f1").get<double>(), 0.8);
  EXPECT_EQ(a.at("at_0_5").at("tp"), 1);  // only 0.8
  EXPECT_EQ(a.at("at_0_5").at("fp"), 0);
  EXPECT_DOUBLE_EQ(a.at("at_0_5").at("precision").get<double>(), 1.0);
  EXPECT_EQ(a.at("roc").at("fpr").get<std::vector<double>>(),
            (std::vector<double>{0.0, 0.0, 0.5, 0.5, 1.0}));
  EXPECT_EQ(a.at("roc").at("tpr").get<std::vector<double>>(),
            (std::vector<double>{0.0, 0.5, 0.5, 1.0, 1.0}));
  const auto& h = a.at("histogram");
  EXPECT_EQ(h.at("edges").size(), 21u);
  const auto positive = h.at("positive").get<std::vector<int64_t>>();
  const auto negative = h.at("negative").get<std::vector<int64_t>>();
  ASSERT_EQ(positive.size(), 20u);
  EXPECT_EQ(positive[16], 1);  // 0.8
  EXPECT_EQ(positive[7], 1);   // 0.35
  EXPECT_EQ(negative[8], 1);   // 0.4
  EXPECT_EQ(negative[2], 1);   // 0.1
}

TEST(MultiLabelEvaluation, RankingFiguresAreNullForASingleClassLabel) {
  const auto j = multilabel_evaluation_json(kLabels, kProbabilities, kTruth, {0.225, 0.5});
  const auto& b = j.at("per_label").at("b");
  EXPECT_TRUE(b.at("roc_auc").is_null());
  EXPECT_TRUE(b.at("average_precision").is_null());
  EXPECT_TRUE(b.at("roc").at("fpr").empty());
  EXPECT_EQ(b.at("negatives"), 0);
  EXPECT_EQ(b.at("tuned").at("tp"), 2);  // 0.6, 0.7
  EXPECT_EQ(b.at("tuned").at("fn"), 2);
}

TEST(MultiLabelEvaluation, LabelSetFiguresAndCoOccurrence) {
  const auto j = multilabel_evaluation_json(kLabels, kProbabilities, kTruth, {0.225, 0.5});
  // Tuned rows {1,0} {1,1} {1,1} {0,0} against {1,1} {0,1} {1,1} {0,1}.
  const auto& tuned = j.at("tuned");
  EXPECT_NEAR(tuned.at("hamming_loss").get<double>(), 3.0 / 8.0, 1e-12);
  EXPECT_NEAR(tuned.at("subset_accuracy").get<double>(), 0.25, 1e-12);
  EXPECT_NEAR(tuned.at("micro_f1").get<double>(), 8.0 / 11.0, 1e-12);  // tp 4, fp 1, fn 2
  EXPECT_NEAR(tuned.at("macro_f1").get<double>(), (0.8 + 2.0 / 3.0) / 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(tuned.at("predicted_cardinality").get<double>(), 1.25);
  EXPECT_DOUBLE_EQ(tuned.at("true_cardinality").get<double>(), 1.5);
  EXPECT_EQ(tuned.at("no_label_predicted"), 1);
  EXPECT_EQ(tuned.at("no_label_true"), 0);
  // At 0.5 label a has only 0.8 on: rows {1,0} {0,1} {0,1} {0,0}.
  EXPECT_NEAR(j.at("at_0_5").at("hamming_loss").get<double>(), 3.0 / 8.0, 1e-12);
  EXPECT_NEAR(j.at("at_0_5").at("subset_accuracy").get<double>(), 0.25, 1e-12);
  EXPECT_DOUBLE_EQ(j.at("at_0_5").at("predicted_cardinality").get<double>(), 0.75);
  const auto& co = j.at("co_occurrence");
  EXPECT_EQ(co.at("labels").get<std::vector<std::string>>(), kLabels);
  EXPECT_EQ(co.at("true").get<std::vector<std::vector<int64_t>>>(),
            (std::vector<std::vector<int64_t>>{{2, 2}, {2, 4}}));
  EXPECT_EQ(co.at("tuned").get<std::vector<std::vector<int64_t>>>(),
            (std::vector<std::vector<int64_t>>{{3, 2}, {2, 2}}));
}

TEST(MultiLabelEvaluation, EvaluationRejectsBadShapesAndValues) {
  EXPECT_THROW(multilabel_evaluation_json(kLabels, kProbabilities, kTruth, {0.5}), InputError);
  EXPECT_THROW(multilabel_evaluation_json(kLabels, {}, {}, {0.5, 0.5}), InputError);
  EXPECT_THROW(multilabel_evaluation_json(kLabels, {{0.5, 1.5}}, {{1, 0}}, {0.5, 0.5}), InputError);
  EXPECT_THROW(multilabel_evaluation_json(kLabels, {{0.5, 0.5}}, {{1}}, {0.5, 0.5}), InputError);
  try {
    multilabel_evaluation_json(kLabels, {{0.5, 0.5}, {0.2, 1.5}}, {{1, 0}, {0, 1}}, {0.5, 0.5});
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("text 2"), std::string::npos) << message;
    EXPECT_NE(message.find("\"b\""), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace rubrika
