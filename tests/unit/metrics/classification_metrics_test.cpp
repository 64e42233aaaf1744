// Classification metrics against hand-computed cases (scikit-learn definitions).
#include <rubrika/error.hpp>
#include <rubrika/metrics/classification_metrics.hpp>

#include <gtest/gtest.h>

namespace rubrika::metrics {
namespace {

const std::vector<int64_t> kPredicted = {0, 1, 1, 2, 2, 0};
const std::vector<int64_t> kLabels = {0, 1, 2, 2, 1, 0};

TEST(ClassificationMetrics, AccuracyAndConfusionMatrix) {
  EXPECT_DOUBLE_EQ(accuracy(kPredicted, kLabels), 4.0 / 6.0);
  const auto m = confusion_matrix(kPredicted, kLabels, 3);
  EXPECT_EQ(m, (std::vector<std::vector<int64_t>>{{2, 0, 0}, {0, 1, 1}, {0, 1, 1}}));
}

TEST(ClassificationMetrics, PerClassScoresAndMacroF1) {
  const auto report = classification_report(kPredicted, kLabels, 3);
  EXPECT_DOUBLE_EQ(report.per_class[0].f1, 1.0);
  EXPECT_DOUBLE_EQ(report.per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(report.per_class[1].recall, 0.5);
  EXPECT_DOUBLE_EQ(report.per_class[2].f1, 0.5);
  EXPECT_EQ(report.per_class[2].support, 2);
  EXPECT_NEAR(report.macro_f1, 2.0 / 3.0, 1e-12);
}

TEST(ClassificationMetrics, MacroF1SkipsClassesAbsentFromLabelsAndPredictions) {
  const auto report = classification_report(kPredicted, kLabels, 4);
  EXPECT_NEAR(report.macro_f1, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(report.per_class[3].support, 0);
  // A class that is predicted but never true counts, with F1 0.
  EXPECT_NEAR(macro_f1({0, 3}, {0, 0}, 4), (2.0 / 3.0 + 0.0) / 2.0, 1e-12);
}

TEST(ClassificationMetrics, MultiLabelMicroAndMacroF1) {
  // Predicted at 0.5: {1,0,1}, {0,1,1}; label 2 has tp 1, fp 1.
  const auto f1 = multilabel_f1({{0.9, 0.2, 0.6}, {0.1, 0.8, 0.7}}, {{1, 0, 0}, {0, 1, 1}});
  EXPECT_NEAR(f1.micro_f1, 6.0 / 7.0, 1e-12);  // tp 3, fp 1, fn 0
  EXPECT_NEAR(f1.macro_f1, (1.0 + 1.0 + 2.0 / 3.0) / 3.0, 1e-12);
  EXPECT_EQ(f1.per_label[2].support, 1);
  // A higher threshold drops label 2's predictions.
  const auto strict =
      multilabel_f1({{0.9, 0.2, 0.6}, {0.1, 0.8, 0.7}}, {{1, 0, 0}, {0, 1, 1}}, 0.75);
  EXPECT_NEAR(strict.per_label[2].recall, 0.0, 1e-12);
}

TEST(ClassificationMetrics, RejectsBadInput) {
  EXPECT_THROW(accuracy({}, {}), InputError);
  EXPECT_THROW(accuracy({1}, {1, 2}), InputError);
  EXPECT_THROW(confusion_matrix({0, 3}, {0, 1}, 3), InputError);
  EXPECT_THROW(multilabel_f1({{0.5}}, {{2}}), InputError);
  EXPECT_THROW(multilabel_f1({{0.5, 0.1}}, {{1}}), InputError);
}

}  // namespace
}  // namespace rubrika::metrics
