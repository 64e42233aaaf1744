// ood/msp and ood/energy through the plugin loader: hand-computed scores, thresholds with
// negative scores, separation, state.
#include "plugin_registry.hpp"

#include <rubrika/error.hpp>
#include <rubrika/metrics/ood_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace rubrika {
namespace {

using ood_test::options;
using ood_test::registry;

std::unique_ptr<OodScorer> make(const std::string& name, const std::string& text = "") {
  return registry().create<OodScorer>(name, PluginContext{}, options(text));
}

OodInputs with_logits(const at::Tensor& logits) { return OodInputs{nullptr, logits, {}}; }

// In-domain: one large logit; OOD: flat logits.
at::Tensor peaked(int64_t n, uint64_t seed) {
  at::manual_seed(seed);
  at::Tensor logits = at::randn({n, 4}, at::kDouble);
  logits.select(1, 0).add_(6.0);
  return logits;
}
at::Tensor flat(int64_t n, uint64_t seed) {
  at::manual_seed(seed);
  return at::randn({n, 4}, at::kDouble) * 0.3;
}

TEST(Msp, ScoreIsOneMinusTheMaxCalibratedProbability) {
  auto scorer = make("msp");
  OodInputs inputs;
  inputs.probabilities = at::tensor({0.7, 0.2, 0.1, 0.4, 0.35, 0.25}, at::kDouble).view({2, 3});
  inputs.logits = at::zeros({2, 3});  // ignored when probabilities are given
  const at::Tensor scores = scorer->score(inputs);
  EXPECT_NEAR(scores[0].item<double>(), 0.3, 1e-12);
  EXPECT_NEAR(scores[1].item<double>(), 0.6, 1e-12);
  // Without calibrated probabilities: softmax of the logits.
  const at::Tensor logits = at::tensor({2.0, 0.0}, at::kDouble).view({1, 2});
  EXPECT_NEAR(scorer->score(with_logits(logits)).item<double>(), 1.0 - 1.0 / (1.0 + std::exp(-2.0)),
              1e-12);
  EXPECT_THROW(scorer->score(OodInputs{}), InputError);
}

TEST(Energy, ScoreIsMinusTLogSumExpOfLogitsOverT) {
  const at::Tensor logits = at::tensor({2.0, 0.0, 0.0, 0.0}, at::kDouble).view({2, 2});
  const at::Tensor t1 = make("energy")->score(with_logits(logits));
  EXPECT_NEAR(t1[0].item<double>(), -std::log(std::exp(2.0) + 1.0), 1e-12);
  EXPECT_NEAR(t1[1].item<double>(), -std::log(2.0), 1e-12);
  const at::Tensor t2 = make("energy", "temperature = 2.0")->score(with_logits(logits));
  EXPECT_NEAR(t2[0].item<double>(), -2.0 * std::log(std::exp(1.0) + 1.0), 1e-12);
  EXPECT_EQ(t2.scalar_type(), at::kDouble);
  EXPECT_THROW(make("energy")->score(OodInputs{}), InputError);
}

class EveryLogitScorer : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryLogitScorer, SeparatesFlatLogitsAndFlagsThem) {
  auto scorer = make(GetParam(), "gate = 1.0");
  scorer->fit(with_logits(peaked(100, 1)), at::zeros({100}, at::kLong));  // nothing to learn
  const auto figures = scorer->fit_thresholds(with_logits(peaked(500, 2)));
  const at::Tensor in = peaked(300, 3), ood = flat(300, 4);
  const at::Tensor in_scores = scorer->score(with_logits(in));
  const at::Tensor ood_scores = scorer->score(with_logits(ood));
  EXPECT_GE(metrics::auroc(metrics::to_doubles(in_scores), metrics::to_doubles(ood_scores)), 0.99);
  const double in_flagged =
      scorer->flag(with_logits(in), in_scores).to(at::kDouble).mean().item<double>();
  const double ood_flagged =
      scorer->flag(with_logits(ood), ood_scores).to(at::kDouble).mean().item<double>();
  // The default rule keeps 95% of the in-domain validation texts (exactly, up to ties), so
  // new in-domain texts of the same kind are rarely flagged and flat ones nearly always.
  const at::Tensor validation = peaked(500, 2);
  const double validation_flagged =
      scorer->flag(with_logits(validation), scorer->score(with_logits(validation)))
          .to(at::kDouble)
          .mean()
          .item<double>();
  EXPECT_NEAR(validation_flagged, 0.05, 0.005);
  EXPECT_NEAR(figures.at("validation_accepted"), 0.95, 0.005);
  EXPECT_LE(in_flagged, 0.15);
  EXPECT_GE(ood_flagged, 0.95);
  EXPECT_GT(figures.at("threshold"), figures.at("validation_mean"));
}

TEST_P(EveryLogitScorer, StateRoundTripsTheThreshold) {
  auto scorer = make(GetParam());
  EXPECT_THROW(scorer->flag(with_logits(flat(3, 1)), at::zeros({3}, at::kDouble)), ArtifactError);
  scorer->fit_thresholds(with_logits(peaked(200, 5)));
  auto loaded = make(GetParam());
  loaded->load_state(scorer->state());
  const at::Tensor logits = at::cat({peaked(50, 6), flat(50, 7)});
  const at::Tensor scores = scorer->score(with_logits(logits));
  EXPECT_TRUE(at::equal(loaded->flag(with_logits(logits), scores),
                        scorer->flag(with_logits(logits), scores)));
  EXPECT_THROW(loaded->load_state({}), ArtifactError);
}

TEST_P(EveryLogitScorer, EmptyValidationIsAClearError) {
  auto scorer = make(GetParam());
  try {
    scorer->fit_thresholds(with_logits(at::zeros({0, 4}, at::kDouble)));
    FAIL() << "empty validation accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ood/" + GetParam()), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Scorers, EveryLogitScorer, ::testing::Values("msp", "energy"));

TEST(Energy, NegativeThresholdsAreWidenedByAlpha) {
  // All-equal validation energies: threshold = E + 0.1 |E| > E, so none of them is flagged.
  auto scorer = make("energy", "rule = \"max\"\ngate = 1.0");
  const at::Tensor same = at::tensor({3.0, 0.0, 0.0}, at::kDouble).repeat({10, 1});
  const auto figures = scorer->fit_thresholds(with_logits(same));
  const double energy = -std::log(std::exp(3.0) + 2.0);
  EXPECT_NEAR(figures.at("validation_std"), 0.0, 1e-12);
  EXPECT_NEAR(figures.at("threshold"), energy + 0.1 * std::abs(energy), 1e-9);
  EXPECT_FALSE(
      scorer->flag(with_logits(same), scorer->score(with_logits(same))).any().item<bool>());
}

TEST(Options, AreStrictPerScorer) {
  EXPECT_NO_THROW(make("msp", "rule = \"quantile\"\nquantile = 0.9\nalpha = 1.0\ngate = 0.5"));
  EXPECT_THROW(make("msp", "temperature = 2.0"), RecipeError);  // energy's key, not msp's
  EXPECT_THROW(make("energy", "temperature = 0.0"), RecipeError);
  EXPECT_THROW(make("energy", "rule = \"mean\""), RecipeError);
}

}  // namespace
}  // namespace rubrika
