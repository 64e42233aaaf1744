// OOD metrics against hand-computed cases with ties (higher score = more out-of-domain).
#include <rubrika/error.hpp>
#include <rubrika/metrics/ood_metrics.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace rubrika::metrics {
namespace {

// Sorted: 0.1(in) 0.3(ood) 0.4(in, in, ood) 0.8(in) 0.9(ood).
const std::vector<double> kIn = {0.1, 0.4, 0.4, 0.8};
const std::vector<double> kOod = {0.4, 0.9, 0.3};

TEST(OodMetrics, AurocCountsTiesAsHalf) {
  // Pairs (ood > in) + 0.5 (ood == in): 0.4 -> 1 + 2 * 0.5; 0.9 -> 4; 0.3 -> 1. 7 of 12.
  EXPECT_NEAR(auroc(kIn, kOod), 7.0 / 12.0, 1e-12);
}

TEST(OodMetrics, AurocAtTheExtremes) {
  EXPECT_DOUBLE_EQ(auroc({0.0, 1.0}, {2.0, 3.0}), 1.0);
  EXPECT_DOUBLE_EQ(auroc({2.0, 3.0}, {0.0, 1.0}), 0.0);
  EXPECT_DOUBLE_EQ(auroc({1.0, 1.0, 1.0}, {1.0, 1.0}), 0.5);  // all tied
}

TEST(OodMetrics, AuprOutAndInMatchScikitLearnAveragePrecision) {
  // OOD positive, highest first: 0.9 (P 1, R 1/3), 0.8, 0.4 (P 2/5, R 2/3), 0.3 (P 1/2, R 1).
  EXPECT_NEAR(aupr_out(kIn, kOod), 1.0 / 3.0 + 2.0 / 15.0 + 1.0 / 6.0, 1e-12);
  // In-domain positive, lowest first: 0.1 (P 1, R 1/4), 0.3, 0.4 (P 3/5, R 3/4), 0.8 (P 4/6, R 1).
  EXPECT_NEAR(aupr_in(kIn, kOod), 0.25 + 0.5 * 0.6 + 0.25 * 4.0 / 6.0, 1e-12);
  EXPECT_DOUBLE_EQ(aupr_out({0.0, 0.1}, {1.0}), 1.0);
  EXPECT_DOUBLE_EQ(aupr_in({0.0, 0.1}, {1.0}), 1.0);
}

TEST(OodMetrics, FprAtTprMovesTiedScoresTogether) {
  // 95% of 4 in-domain texts needs all 4: t = 0.8 accepts OOD 0.3 and 0.4.
  EXPECT_NEAR(fpr_at_tpr(kIn, kOod, 0.95), 2.0 / 3.0, 1e-12);
  // 50% needs 2: t = 0.1 accepts 1, t = 0.4 accepts 3 (the tie moves together) and OOD 0.3, 0.4.
  EXPECT_NEAR(fpr_at_tpr(kIn, kOod, 0.5), 2.0 / 3.0, 1e-12);
  // 25% is reached at t = 0.1, where no OOD text is accepted.
  EXPECT_DOUBLE_EQ(fpr_at_tpr(kIn, kOod, 0.25), 0.0);
}

TEST(OodMetrics, FprAt95WithTwentyInDomainTextsUsesTheNineteenth) {
  std::vector<double> in;
  for (int i = 1; i <= 20; ++i) in.push_back(i);  // 19 of 20 is exactly 95%
  EXPECT_DOUBLE_EQ(fpr_at_tpr(in, {19.5, 20.5}, 0.95), 0.0);
  EXPECT_DOUBLE_EQ(fpr_at_tpr(in, {18.5, 20.5}, 0.95), 0.5);
}

TEST(OodMetrics, PerfectSeparationAndAllEqualScores) {
  const auto perfect = ood_report({0.1, 0.2, 0.3}, {5.0, 6.0});
  EXPECT_DOUBLE_EQ(perfect.auroc, 1.0);
  EXPECT_DOUBLE_EQ(perfect.fpr_at_95_tpr, 0.0);
  EXPECT_DOUBLE_EQ(perfect.aupr_in, 1.0);
  EXPECT_DOUBLE_EQ(perfect.aupr_out, 1.0);
  const auto same = ood_report({1.0, 1.0}, {1.0, 1.0});
  EXPECT_DOUBLE_EQ(same.auroc, 0.5);
  EXPECT_DOUBLE_EQ(same.fpr_at_95_tpr, 1.0);
  EXPECT_DOUBLE_EQ(same.aupr_out, 0.5);  // the base rate
}

TEST(OodMetrics, RatesAtAThresholdFlagScoresAboveIt) {
  const auto rates = rates_at_threshold(kIn, kOod, 0.4);  // 0.4 itself is not flagged
  EXPECT_DOUBLE_EQ(rates.in_domain_acceptance, 0.75);
  EXPECT_DOUBLE_EQ(rates.ood_rejection, 1.0 / 3.0);
  const auto from_flags = rates_from_flags({false, true}, {true, true, false, false});
  EXPECT_DOUBLE_EQ(from_flags.in_domain_acceptance, 0.5);
  EXPECT_DOUBLE_EQ(from_flags.ood_rejection, 0.5);
}

TEST(OodMetrics, EmptyOrNonFiniteScoresAreInputErrors) {
  EXPECT_THROW(auroc({}, {1.0}), InputError);
  EXPECT_THROW(aupr_in({1.0}, {}), InputError);
  EXPECT_THROW(fpr_at_tpr({1.0}, {2.0}, 0.0), InputError);
  try {
    auroc({1.0, NAN}, {2.0});
    FAIL() << "NaN accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("in-domain score 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rates_from_flags({}, {true}), InputError);
}

}  // namespace
}  // namespace rubrika::metrics
