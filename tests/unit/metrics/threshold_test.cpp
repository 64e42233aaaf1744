// The shared OOD threshold rule: formulas, edges, gate, options and state.
#include <rubrika/error.hpp>
#include <rubrika/ood/threshold.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace rubrika::ood {
namespace {

ThresholdOptions options(ThresholdRule rule, double q, double z, double alpha) {
  ThresholdOptions o;
  o.rule = rule;
  o.quantile = q;
  o.z = z;
  o.alpha = alpha;
  return o;
}

const std::vector<double> kScores = {3.0, 1.0, 5.0, 2.0, 4.0};  // mean 3, std sqrt(2)

TEST(Threshold, QuantileInterpolatesLinearlyLikeNumpy) {
  const auto fit =
      fit_threshold(kScores, options(ThresholdRule::quantile, 0.995, 4.0, 1.0), "test");
  EXPECT_NEAR(fit.quantile_score, 4.98, 1e-12);  // h = 4 * 0.995 = 3.98 -> 4 + 0.98
  EXPECT_NEAR(fit.threshold, 4.98, 1e-12);
  EXPECT_NEAR(
      fit_threshold(kScores, options(ThresholdRule::quantile, 0.5, 4.0, 1.0), "test").threshold,
      3.0, 1e-12);
}

TEST(Threshold, ZscoreUsesPopulationStd) {
  const auto fit = fit_threshold(kScores, options(ThresholdRule::zscore, 0.995, 2.0, 1.0), "test");
  EXPECT_NEAR(fit.mean, 3.0, 1e-12);
  EXPECT_NEAR(fit.std, std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(fit.threshold, 3.0 + 2.0 * std::sqrt(2.0), 1e-12);
  EXPECT_EQ(fit.count, 5);
}

TEST(Threshold, MaxRuleTakesTheLargerBaseThenAlpha) {
  // Q(0.5) = 3, Z = 3 + sqrt(2): max is Z, times 1.1.
  const auto fit = fit_threshold(kScores, options(ThresholdRule::max, 0.5, 1.0, 1.1), "test");
  EXPECT_NEAR(fit.threshold, 1.1 * (3.0 + std::sqrt(2.0)), 1e-12);
  // Q(1.0) = 5 beats Z = 3 + 0.1 * sqrt(2).
  EXPECT_NEAR(fit_threshold(kScores, options(ThresholdRule::max, 1.0, 0.1, 1.1), "test").threshold,
              5.5, 1e-12);
}

// The old notebook's rule, kept as rule = "max".
ThresholdOptions notebook_rule() {
  ThresholdOptions o;
  o.rule = ThresholdRule::max;
  return o;
}

TEST(Threshold, DefaultKeeps95PercentOfValidationTexts) {
  const ThresholdOptions o;
  EXPECT_EQ(o.rule, ThresholdRule::tpr);
  EXPECT_DOUBLE_EQ(o.target_tpr, 0.95);
  std::vector<double> scores;
  for (int i = 1; i <= 200; ++i) scores.push_back(i);
  const auto fit = fit_threshold(scores, o, "test");
  // numpy.quantile(1..200, 0.95) = 190.05: scores 191..200 (5%) are flagged.
  EXPECT_NEAR(fit.threshold, 190.05, 1e-9);
  EXPECT_DOUBLE_EQ(fit.accepted, 0.95);
  const auto flags = flag_scores(at::tensor(scores, at::kDouble), at::Tensor(), fit.threshold, 1.0);
  EXPECT_EQ(flags.sum().item<int64_t>(), 10);
  EXPECT_DOUBLE_EQ(threshold_figures(fit).at("validation_accepted"), 0.95);
}

TEST(Threshold, TprAndTheOtherRulesRefuseEachOthersKeys) {
  auto read = [](const std::string& text) {
    const auto t = toml::parse(text, std::string("/r/recipe.toml"));
    OptionsReader reader(t, "ood");
    ThresholdOptions o = ThresholdOptions::read(reader);
    reader.finish();
    return o;
  };
  EXPECT_DOUBLE_EQ(read("target_tpr = 0.9\n").target_tpr, 0.9);
  for (const char* bad : {"alpha = 1.2\n", "rule = \"tpr\"\nquantile = 0.9\n", "z = 3\n",
                          "rule = \"max\"\ntarget_tpr = 0.9\n", "target_tpr = 0\n"}) {
    try {
      read(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const RecipeError& e) {
      EXPECT_NE(e.where().find("/r/recipe.toml:"), std::string::npos) << bad << e.what();
    }
  }
}

TEST(Threshold, NotebookRuleDefaults) {
  const ThresholdOptions o = notebook_rule();
  EXPECT_DOUBLE_EQ(o.quantile, 0.995);
  EXPECT_DOUBLE_EQ(o.z, 4.0);
  EXPECT_DOUBLE_EQ(o.alpha, 1.10);
  EXPECT_DOUBLE_EQ(o.gate, 0.75);
}

TEST(Threshold, AlphaWidensNegativeThresholdsToo) {
  // Energy scores are negative: alpha must still move the threshold up (more lenient).
  const auto fit =
      fit_threshold({-10.0, -8.0}, options(ThresholdRule::quantile, 1.0, 0.0, 1.1), "test");
  EXPECT_NEAR(fit.threshold, -7.2, 1e-12);
}

TEST(Threshold, AllEqualScoresGiveZeroStdAndFlagNoneOfThem) {
  const auto fit = fit_threshold({2.0, 2.0, 2.0}, notebook_rule(), "test");
  EXPECT_DOUBLE_EQ(fit.std, 0.0);
  EXPECT_NEAR(fit.threshold, 2.2, 1e-12);
  const auto flags = flag_scores(at::full({3}, 2.0, at::kDouble), at::Tensor(), fit.threshold, 1.0);
  EXPECT_FALSE(flags.any().item<bool>());
}

TEST(Threshold, AllZeroScoresGiveAZeroThreshold) {
  const auto fit = fit_threshold({0.0, 0.0}, notebook_rule(), "test");
  EXPECT_DOUBLE_EQ(fit.threshold, 0.0);
}

TEST(Threshold, OneValidationScoreIsEnough) {
  const auto fit = fit_threshold({5.0}, notebook_rule(), "test");
  EXPECT_DOUBLE_EQ(fit.quantile_score, 5.0);
  EXPECT_DOUBLE_EQ(fit.std, 0.0);
  EXPECT_NEAR(fit.threshold, 5.5, 1e-12);
}

TEST(Threshold, EmptyOrNonFiniteValidationIsAClearError) {
  try {
    fit_threshold(std::vector<double>{}, ThresholdOptions{}, "ood/test");
    FAIL() << "empty validation accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ood/test"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no validation scores"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fit_threshold({1.0, INFINITY}, ThresholdOptions{}, "test"), InputError);
  EXPECT_THROW(fit_threshold(at::zeros({2, 2}), ThresholdOptions{}, "test"), InputError);
}

TEST(Threshold, TensorOverloadAgreesWithVectorOverload) {
  const auto a = fit_threshold(kScores, ThresholdOptions{}, "test");
  const auto b = fit_threshold(at::tensor(kScores, at::kFloat), ThresholdOptions{}, "test");
  EXPECT_NEAR(a.threshold, b.threshold, 1e-6);
}

TEST(Threshold, GateKeepsConfidentPredictionsUnflagged) {
  const auto scores = at::tensor({1.0, 10.0, 10.0}, at::kDouble);
  const auto confidence = at::tensor({0.5, 0.5, 0.9}, at::kDouble);
  const auto gated = flag_scores(scores, confidence, 5.0, 0.75);
  EXPECT_FALSE(gated[0].item<bool>());
  EXPECT_TRUE(gated[1].item<bool>());
  EXPECT_FALSE(gated[2].item<bool>());  // confident: the gate holds it back
  const auto ungated = flag_scores(scores, at::Tensor(), 5.0, 1.0);  // gate 1 = off
  EXPECT_TRUE(ungated[2].item<bool>());
  EXPECT_FALSE(flag_scores(scores, confidence, 5.0, 0.0).any().item<bool>());  // gate 0: never
  EXPECT_THROW(flag_scores(scores, at::Tensor(), 5.0, 0.75), InputError);
}

TEST(Threshold, FlagTextsReadsProbabilitiesOrFallsBackToSoftmax) {
  ThresholdFit fit;
  fit.threshold = 0.5;
  ThresholdOptions o;  // gate 0.75
  OodInputs inputs;
  inputs.logits = at::tensor({10.0, 0.0, 0.0, 0.0}, at::kDouble).view({2, 2});  // confident, unsure
  const auto scores = at::tensor({1.0, 1.0}, at::kDouble);
  const auto flags = flag_texts(inputs, scores, &fit, o, "test");
  EXPECT_FALSE(flags[0].item<bool>());
  EXPECT_TRUE(flags[1].item<bool>());
  inputs.probabilities = at::tensor({0.6, 0.4, 0.9, 0.1}, at::kDouble).view({2, 2});
  const auto from_probabilities = flag_texts(inputs, scores, &fit, o, "test");
  EXPECT_TRUE(from_probabilities[0].item<bool>());
  EXPECT_FALSE(from_probabilities[1].item<bool>());
  EXPECT_THROW(flag_texts(inputs, scores, nullptr, o, "test"), ArtifactError);
  EXPECT_THROW(max_probability(OodInputs{}, "test"), InputError);
}

TEST(Threshold, OptionsAreReadStrictly) {
  const auto table =
      toml::parse("rule = \"zscore\"\nquantile = 0.9\nz = 2\nalpha = 1.5\ngate = 1.0\n",
                  std::string("/r/recipe.toml"));
  OptionsReader in(table, "ood");
  const auto o = ThresholdOptions::read(in);
  in.finish();
  EXPECT_EQ(o.rule, ThresholdRule::zscore);
  EXPECT_DOUBLE_EQ(o.quantile, 0.9);
  EXPECT_DOUBLE_EQ(o.z, 2.0);
  EXPECT_DOUBLE_EQ(o.alpha, 1.5);
  EXPECT_DOUBLE_EQ(o.gate, 1.0);
  for (const char* bad : {"rule = \"median\"", "alpha = 0.9", "quantile = 1.5", "gate = -0.1"}) {
    const auto t = toml::parse(bad, std::string("/r/recipe.toml"));
    OptionsReader reader(t, "ood");
    EXPECT_THROW(ThresholdOptions::read(reader), RecipeError) << bad;
  }
}

TEST(Threshold, StateRoundTripsAndMissingThresholdIsAnArtifactError) {
  const auto fit = fit_threshold(kScores, ThresholdOptions{}, "test");
  TensorMap state;
  put_threshold_state(state, fit);
  const auto back = get_threshold_state(state, "test");
  EXPECT_DOUBLE_EQ(back.threshold, fit.threshold);
  EXPECT_DOUBLE_EQ(back.std, fit.std);
  EXPECT_EQ(back.count, 5);
  EXPECT_EQ(threshold_figures(fit).at("threshold"), fit.threshold);
  EXPECT_THROW(get_threshold_state(TensorMap{}, "test"), ArtifactError);
  state["threshold"] = at::scalar_tensor(NAN, at::kDouble);
  EXPECT_THROW(get_threshold_state(state, "test"), ArtifactError);
}

}  // namespace
}  // namespace rubrika::ood
