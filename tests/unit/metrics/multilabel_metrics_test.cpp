// Multi-label metrics against hand-computed cases; the ranking figures against what
// scikit-learn's roc_auc_score / average_precision_score / roc_curve give on the same input.
#include <rubrika/error.hpp>
#include <rubrika/metrics/multilabel_metrics.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace rubrika::metrics {
namespace {

// scikit-learn's doc example: sorted 0.8(+) 0.4(-) 0.35(+) 0.1(-).
const std::vector<double> kScores = {0.1, 0.4, 0.35, 0.8};
const std::vector<bool> kTruth = {false, false, true, true};

TEST(MultiLabelMetrics, RocAucAndAveragePrecisionMatchScikitLearn) {
  // Pairs (positive > negative): 0.35 beats 0.1; 0.8 beats both. 3 of 4.
  EXPECT_NEAR(roc_auc(kScores, kTruth).value(), 0.75, 1e-12);
  // 0.8: P 1, R 1/2; 0.4: P 1/2, R 1/2; 0.35: P 2/3, R 1 -> 1/2 * 1 + 1/2 * 2/3.
  EXPECT_NEAR(average_precision(kScores, kTruth).value(), 5.0 / 6.0, 1e-12);
}

TEST(MultiLabelMetrics, RocAucCountsTiedPairsAsHalf) {
  // Positives 0.5, 0.9; negatives 0.5, 0.2: 0.5 = 0.5 (half), 0.5 > 0.2, 0.9 > both.
  EXPECT_NEAR(roc_auc({0.5, 0.5, 0.2, 0.9}, {true, false, false, true}).value(), 3.5 / 4.0, 1e-12);
  // The tied 0.5 pair enters together: 0.9 P 1 R 1/2, then 0.5 P 2/3 R 1.
  EXPECT_NEAR(average_precision({0.5, 0.5, 0.2, 0.9}, {true, false, false, true}).value(),
              0.5 + 0.5 * 2.0 / 3.0, 1e-12);
}

TEST(MultiLabelMetrics, RankingFiguresAreUndefinedWithOneClass) {
  EXPECT_FALSE(roc_auc({0.1, 0.9}, {true, true}).has_value());
  EXPECT_FALSE(roc_auc({0.1, 0.9}, {false, false}).has_value());
  EXPECT_FALSE(average_precision({0.1, 0.9}, {false, false}).has_value());
  EXPECT_FALSE(average_precision({0.1, 0.9}, {true, true}).has_value());
  EXPECT_TRUE(roc_curve({0.1, 0.9}, {true, true}).fpr.empty());
}

TEST(MultiLabelMetrics, RocCurveIsTheStaircaseScikitLearnGivesWithoutDropping) {
  const RocCurve roc = roc_curve(kScores, kTruth);
  EXPECT_EQ(roc.fpr, (std::vector<double>{0.0, 0.0, 0.5, 0.5, 1.0}));
  EXPECT_EQ(roc.tpr, (std::vector<double>{0.0, 0.5, 0.5, 1.0, 1.0}));
  ASSERT_EQ(roc.thresholds.size(), 5u);
  EXPECT_EQ(roc.thresholds[0], std::numeric_limits<double>::infinity());
  EXPECT_EQ(roc.thresholds[1], 0.8);
  EXPECT_EQ(roc.thresholds[4], 0.1);
}

TEST(MultiLabelMetrics, RocCurveIsThinnedKeepingBothEnds) {
  std::vector<double> scores;
  std::vector<bool> truth;
  for (int i = 0; i < 10; ++i) {  // 10 distinct scores -> 11 points
    scores.push_back(0.05 + 0.1 * i);
    truth.push_back(i % 2 == 0);
  }
  const RocCurve roc = roc_curve(scores, truth, 3);
  ASSERT_EQ(roc.fpr.size(), 3u);
  EXPECT_EQ(roc.fpr.front(), 0.0);
  EXPECT_EQ(roc.tpr.front(), 0.0);
  EXPECT_EQ(roc.fpr.back(), 1.0);
  EXPECT_EQ(roc.tpr.back(), 1.0);
  EXPECT_EQ(roc.thresholds[1], scores[5]);  // point 5 of 0..10: the 5th highest score
  EXPECT_EQ(roc_curve(scores, truth, 11).fpr.size(), 11u);
  EXPECT_THROW(roc_curve(scores, truth, 1), InputError);
}

TEST(MultiLabelMetrics, BinaryCountsTurnALabelOnAtTheThreshold) {
  const BinaryCounts c = binary_counts({0.5, 0.4, 0.7, 0.2}, {true, false, false, true}, 0.5);
  EXPECT_EQ(c.tp, 1);
  EXPECT_EQ(c.fp, 1);
  EXPECT_EQ(c.fn, 1);
  EXPECT_EQ(c.tn, 1);
  EXPECT_DOUBLE_EQ(c.precision(), 0.5);
  EXPECT_DOUBLE_EQ(c.recall(), 0.5);
  EXPECT_DOUBLE_EQ(c.f1(), 0.5);
  const BinaryCounts none;  // nothing on, no positives: every ratio is 0, not NaN
  EXPECT_EQ(none.precision(), 0.0);
  EXPECT_EQ(none.recall(), 0.0);
  EXPECT_EQ(none.f1(), 0.0);
}

// Candidates for kScores, highest first: 1 (nothing on), 0.6 {0.8}: P 1 R 1/2 F1 2/3,
// 0.375 {0.8, 0.4}: P 1/2 R 1/2, 0.225 {0.8, 0.4, 0.35}: P 2/3 R 1 F1 4/5, 0 (all): P 1/2.
TEST(MultiLabelMetrics, ChooseThresholdF1TakesTheMidpointWithTheBestF1) {
  const ChosenThreshold c = choose_threshold(kScores, kTruth, ThresholdStrategy::f1, 0.0);
  EXPECT_DOUBLE_EQ(c.threshold, 0.225);
  EXPECT_TRUE(c.target_met);
  EXPECT_EQ(c.counts.tp, 2);
  EXPECT_EQ(c.counts.fp, 1);
  EXPECT_EQ(c.counts.fn, 0);
  EXPECT_EQ(c.counts.tn, 1);
  EXPECT_DOUBLE_EQ(c.counts.f1(), 0.8);
}

TEST(MultiLabelMetrics, ChooseThresholdF1BreaksTiesTowardsTheHigherThreshold) {
  // 0.8 {0.9}: F1 2/3; 0 (all): tp 2 fp 2, F1 4/6 = 2/3 as well.
  const ChosenThreshold c = choose_threshold({0.9, 0.7, 0.5, 0.3}, {true, false, false, true},
                                             ThresholdStrategy::f1, 0.5);
  EXPECT_DOUBLE_EQ(c.threshold, 0.8);
  EXPECT_EQ(c.counts.tp, 1);
}

TEST(MultiLabelMetrics, ChooseThresholdScoreOfOneIsOnAtThresholdOne) {
  const ChosenThreshold f1 = choose_threshold({1.0, 0.2}, {true, false}, ThresholdStrategy::f1, 0);
  EXPECT_DOUBLE_EQ(f1.threshold, 1.0);
  EXPECT_EQ(f1.counts.tp, 1);
  EXPECT_EQ(f1.counts.fp, 0);
  // The same counts hold down to the midpoint 0.6; precision_at takes the lowest.
  const ChosenThreshold p =
      choose_threshold({1.0, 0.2}, {true, false}, ThresholdStrategy::precision_at, 1.0);
  EXPECT_DOUBLE_EQ(p.threshold, 0.6);
}

TEST(MultiLabelMetrics, ChooseThresholdPrecisionAtTakesTheLowestThresholdMeetingIt) {
  const ChosenThreshold low =
      choose_threshold(kScores, kTruth, ThresholdStrategy::precision_at, 0.6);
  EXPECT_DOUBLE_EQ(low.threshold, 0.225);  // P 2/3 >= 0.6, more recall than 0.6's P 1
  EXPECT_TRUE(low.target_met);
  const ChosenThreshold high =
      choose_threshold(kScores, kTruth, ThresholdStrategy::precision_at, 0.9);
  EXPECT_DOUBLE_EQ(high.threshold, 0.6);
  EXPECT_TRUE(high.target_met);
  EXPECT_DOUBLE_EQ(high.counts.precision(), 1.0);
}

TEST(MultiLabelMetrics, ChooseThresholdUnreachablePrecisionFallsBackToTheBestPrecision) {
  // Candidates: 1 (none), 0.75 {0.9-}: P 0, 0.45 {0.9-, 0.6+}: P 1/2, 0 (all): P 1/3.
  const ChosenThreshold c =
      choose_threshold({0.9, 0.6, 0.3}, {false, true, false}, ThresholdStrategy::precision_at, 0.8);
  EXPECT_FALSE(c.target_met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.45);
  EXPECT_DOUBLE_EQ(c.counts.precision(), 0.5);
}

TEST(MultiLabelMetrics, ChooseThresholdRecallAtTakesTheHighestThresholdMeetingIt) {
  const ChosenThreshold half = choose_threshold(kScores, kTruth, ThresholdStrategy::recall_at, 0.5);
  EXPECT_DOUBLE_EQ(half.threshold, 0.6);
  EXPECT_TRUE(half.target_met);
  const ChosenThreshold all = choose_threshold(kScores, kTruth, ThresholdStrategy::recall_at, 1.0);
  EXPECT_DOUBLE_EQ(all.threshold, 0.225);  // recall 1 with precision 2/3, not 0's 1/2
  EXPECT_DOUBLE_EQ(all.counts.recall(), 1.0);
}

TEST(MultiLabelMetrics, ChooseThresholdFixedIsTheTarget) {
  const ChosenThreshold c = choose_threshold(kScores, kTruth, ThresholdStrategy::fixed, 0.3);
  EXPECT_DOUBLE_EQ(c.threshold, 0.3);
  EXPECT_TRUE(c.target_met);
  EXPECT_EQ(c.counts.tp, 2);  // 0.8, 0.35
  EXPECT_EQ(c.counts.fp, 1);  // 0.4
}

TEST(MultiLabelMetrics, ChooseThresholdWithoutPositivesIsTheFlaggedDefault) {
  for (auto strategy :
       {ThresholdStrategy::f1, ThresholdStrategy::precision_at, ThresholdStrategy::recall_at}) {
    const ChosenThreshold c = choose_threshold({0.2, 0.7}, {false, false}, strategy, 0.9);
    EXPECT_DOUBLE_EQ(c.threshold, 0.5);
    EXPECT_FALSE(c.target_met);
    EXPECT_EQ(c.counts.fp, 1);
    EXPECT_EQ(c.counts.tn, 1);
  }
  const ChosenThreshold fixed =
      choose_threshold({0.2, 0.7}, {false, false}, ThresholdStrategy::fixed, 0.3);
  EXPECT_DOUBLE_EQ(fixed.threshold, 0.3);
  EXPECT_TRUE(fixed.target_met);
}

TEST(MultiLabelMetrics, ChooseThresholdRejectsBadTargetsAndScores) {
  EXPECT_THROW(choose_threshold(kScores, kTruth, ThresholdStrategy::precision_at, 1.5), InputError);
  EXPECT_THROW(choose_threshold(kScores, kTruth, ThresholdStrategy::f1, std::nan("")), InputError);
  EXPECT_THROW(choose_threshold({0.2, 1.2}, {true, false}, ThresholdStrategy::f1, 0.5), InputError);
  EXPECT_THROW(choose_threshold({0.2, -0.1}, {true, false}, ThresholdStrategy::f1, 0.5),
               InputError);
}

TEST(MultiLabelMetrics, BinaryCalibrationOnTwoBins) {
  // (0, 0.5]: 0.1-, 0.3+ (mean 0.2, positives 1/2); (0.5, 1]: 0.8+, 0.9+ (mean 0.85, all +).
  const BinaryCalibration c =
      binary_calibration({0.1, 0.3, 0.8, 0.9}, {false, true, true, true}, 2);
  EXPECT_NEAR(c.ece, 0.5 * 0.3 + 0.5 * 0.15, 1e-12);
  EXPECT_NEAR(c.brier, (0.01 + 0.49 + 0.04 + 0.01) / 4.0, 1e-12);
  EXPECT_NEAR(c.nll, -(std::log(0.9) + std::log(0.3) + std::log(0.8) + std::log(0.9)) / 4.0, 1e-12);
  ASSERT_EQ(c.bins.size(), 2u);
  EXPECT_EQ(c.bins[0].count, 2);
  EXPECT_DOUBLE_EQ(c.bins[0].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(c.bins[0].mean_confidence, 0.2);
  EXPECT_DOUBLE_EQ(c.bins[1].upper, 1.0);
}

TEST(MultiLabelMetrics, BinaryCalibrationBinEdgesAndClipping) {
  // 0.5 lies in (0, 0.5], 0 in the first bin.
  const BinaryCalibration c = binary_calibration({0.5, 0.0}, {true, true}, 2);
  EXPECT_EQ(c.bins[0].count, 2);
  EXPECT_EQ(c.bins[1].count, 0);
  // A confident miss is large but finite: -log(1e-15) / 2.
  EXPECT_NEAR(c.nll, (-std::log(0.5) - std::log(1e-15)) / 2.0, 1e-9);
  EXPECT_THROW(binary_calibration({0.5}, {true}, 0), InputError);
}

TEST(MultiLabelMetrics, ScoreHistogramPutsOneInTheLastBin) {
  const ScoreHistogram h =
      score_histogram({0.0, 0.25, 0.6, 1.0, 0.99}, {false, true, false, true, true}, 4);
  EXPECT_EQ(h.edges, (std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_EQ(h.positive, (std::vector<int64_t>{0, 1, 0, 2}));  // 0.25 opens bin 1
  EXPECT_EQ(h.negative, (std::vector<int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(score_histogram(kScores, kTruth).edges.size(), 21u);
}

TEST(MultiLabelMetrics, LabelSetFiguresOnThreeTextsMatchScikitLearn) {
  const std::vector<std::vector<bool>> truth = {{1, 0, 1}, {0, 1, 0}, {0, 0, 0}};
  const std::vector<std::vector<bool>> predicted = {{1, 0, 0}, {0, 1, 0}, {1, 0, 0}};
  const LabelSetFigures f = label_set_figures(predicted, truth);
  EXPECT_NEAR(f.hamming_loss, 2.0 / 9.0, 1e-12);     // row 0 misses label 2, row 2 adds 0
  EXPECT_NEAR(f.subset_accuracy, 1.0 / 3.0, 1e-12);  // only row 1 is exact
  EXPECT_NEAR(f.micro_f1, 4.0 / 6.0, 1e-12);         // tp 2, fp 1, fn 1
  EXPECT_NEAR(f.macro_f1, (2.0 / 3.0 + 1.0 + 0.0) / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(f.predicted_cardinality, 1.0);
  EXPECT_DOUBLE_EQ(f.true_cardinality, 1.0);
  EXPECT_EQ(f.no_label_predicted, 0);
  EXPECT_EQ(f.no_label_true, 1);
}

TEST(MultiLabelMetrics, MacroF1CountsALabelNobodyHasAsZero) {
  EXPECT_DOUBLE_EQ(label_set_figures({{1, 0}}, {{1, 0}}).macro_f1, 0.5);  // zero_division = 0
}

TEST(MultiLabelMetrics, LabelSetFiguresRejectMismatchedShapes) {
  EXPECT_THROW(label_set_figures({}, {}), InputError);
  EXPECT_THROW(label_set_figures({{1, 0}}, {{1, 0}, {0, 1}}), InputError);
  EXPECT_THROW(label_set_figures({{1, 0}, {1}}, {{1, 0}, {0, 1}}), InputError);
  EXPECT_THROW(label_set_figures({{1, 0}}, {{1, 0, 0}}), InputError);
}

TEST(MultiLabelMetrics, CoOccurrenceCountsPairsAndTheDiagonal) {
  const auto counts = co_occurrence({{1, 1, 0}, {1, 0, 1}, {1, 1, 1}});
  EXPECT_EQ(counts, (std::vector<std::vector<int64_t>>{{3, 2, 2}, {2, 2, 1}, {2, 1, 2}}));
  EXPECT_THROW(co_occurrence({{1, 0}, {1}}), InputError);
}

TEST(MultiLabelMetrics, InvalidBinaryInputIsAnInputError) {
  EXPECT_THROW(roc_auc({0.1, 0.2}, {true}), InputError);
  EXPECT_THROW(average_precision({0.1, std::nan("")}, {true, false}), InputError);
  EXPECT_THROW(roc_curve({0.1, std::numeric_limits<double>::infinity()}, {true, false}),
               InputError);
  EXPECT_THROW(binary_counts({}, {}, 0.5), InputError);
  EXPECT_THROW(binary_counts({0.1}, {true}, std::nan("")), InputError);
  EXPECT_THROW(score_histogram({0.1, 1.5}, {true, false}), InputError);
  try {
    roc_auc({0.1, 0.2}, {true});
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("2 scores but 1 truth"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rubrika::metrics
