// Calibration metrics against hand-computed cases.
#include <rubrika/error.hpp>
#include <rubrika/metrics/calibration_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace rubrika::metrics {
namespace {

// Predictions 0, 0, 1, 0 with confidences 0.9, 0.8, 0.7, 0.6; right, wrong, right, right.
const std::vector<std::vector<double>> kProbabilities = {
    {0.9, 0.1}, {0.8, 0.2}, {0.3, 0.7}, {0.6, 0.4}};
const std::vector<int64_t> kLabels = {0, 1, 1, 0};

TEST(CalibrationMetrics, ReliabilityBinsUseHalfOpenIntervalsClosedAbove) {
  // 5 bins: (0,.2] (.2,.4] (.4,.6] (.6,.8] (.8,1]. 0.8 and 0.6 sit on edges and belong to
  // the bin they close.
  const auto bins = reliability_bins(kProbabilities, kLabels, 5);
  ASSERT_EQ(bins.size(), 5u);
  EXPECT_EQ(bins[0].count, 0);
  EXPECT_EQ(bins[1].count, 0);
  EXPECT_EQ(bins[2].count, 1);
  EXPECT_EQ(bins[3].count, 2);
  EXPECT_EQ(bins[4].count, 1);
  EXPECT_NEAR(bins[3].mean_confidence, 0.75, 1e-12);
  EXPECT_NEAR(bins[3].accuracy, 0.5, 1e-12);
  EXPECT_NEAR(bins[2].lower, 0.4, 1e-12);
  EXPECT_NEAR(bins[2].upper, 0.6, 1e-12);
  EXPECT_DOUBLE_EQ(bins[0].mean_confidence, 0.0);  // empty bins report zeros
}

TEST(CalibrationMetrics, EceAndMceMatchHandComputation) {
  // ECE = .25 * |1 - .9| + .5 * |.5 - .75| + .25 * |1 - .6| = .025 + .125 + .1
  EXPECT_NEAR(expected_calibration_error(kProbabilities, kLabels, 5), 0.25, 1e-12);
  EXPECT_NEAR(maximum_calibration_error(kProbabilities, kLabels, 5), 0.4, 1e-12);
}

TEST(CalibrationMetrics, BrierSumsOverClassesAndAveragesOverTexts) {
  // (.01 + .01) + (.64 + .64) + (.09 + .09) + (.16 + .16) = 1.8, over 4 texts.
  EXPECT_NEAR(brier_score(kProbabilities, kLabels), 0.45, 1e-12);
}

TEST(CalibrationMetrics, NllIsMeanNegativeLogOfTrueClass) {
  const double expected = -(std::log(0.9) + std::log(0.2) + std::log(0.7) + std::log(0.6)) / 4.0;
  EXPECT_NEAR(negative_log_likelihood(kProbabilities, kLabels), expected, 1e-12);
}

TEST(CalibrationMetrics, NllOfAZeroProbabilityIsLargeButFinite) {
  const double nll = negative_log_likelihood({{1.0, 0.0}}, {1});
  EXPECT_TRUE(std::isfinite(nll));
  EXPECT_NEAR(nll, -std::log(1e-15), 1e-9);
}

TEST(CalibrationMetrics, PerfectlyCalibratedConfidentPredictionsHaveZeroError) {
  const std::vector<std::vector<double>> p = {{1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}};
  const auto report = calibration_report(p, {0, 2});
  EXPECT_DOUBLE_EQ(report.ece, 0.0);
  EXPECT_DOUBLE_EQ(report.mce, 0.0);
  EXPECT_DOUBLE_EQ(report.brier, 0.0);
  EXPECT_EQ(report.bins.size(), 15u);
  EXPECT_EQ(report.bins[14].count, 2);
}

TEST(CalibrationMetrics, ReportAgreesWithTheSingleMetrics) {
  const auto report = calibration_report(kProbabilities, kLabels, 5);
  EXPECT_DOUBLE_EQ(report.ece, expected_calibration_error(kProbabilities, kLabels, 5));
  EXPECT_DOUBLE_EQ(report.mce, maximum_calibration_error(kProbabilities, kLabels, 5));
  EXPECT_DOUBLE_EQ(report.brier, brier_score(kProbabilities, kLabels));
  EXPECT_DOUBLE_EQ(report.nll, negative_log_likelihood(kProbabilities, kLabels));
}

TEST(CalibrationMetrics, RejectsBadInputNamingTheRow) {
  EXPECT_THROW(brier_score({}, {}), InputError);
  EXPECT_THROW(brier_score({{0.5, 0.5}}, {0, 1}), InputError);
  try {
    brier_score({{0.5, 0.5}, {0.5}}, {0, 1});
    FAIL() << "ragged rows accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(brier_score({{0.5, 0.5}}, {2}), InputError);
  EXPECT_THROW(brier_score({{NAN, 0.5}}, {0}), InputError);
  EXPECT_THROW(reliability_bins(kProbabilities, kLabels, 0), InputError);
}

TEST(TensorRows, ConvertsTensorsAndRejectsWrongRanks) {
  const auto rows = to_rows(at::tensor({0.25, 0.75, 1.0, 0.0}, at::kFloat).view({2, 2}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(rows[0][1], 0.75);
  EXPECT_EQ(to_int64s(at::tensor({3, 1}, at::kLong)), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(to_doubles(at::tensor({0.5})), (std::vector<double>{0.5}));
  EXPECT_THROW(to_rows(at::zeros({3})), InputError);
  EXPECT_THROW(to_int64s(at::zeros({3})), InputError);  // floating labels are a bug
}

}  // namespace
}  // namespace rubrika::metrics
