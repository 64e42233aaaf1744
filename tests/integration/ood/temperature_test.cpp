// calibrator/temperature through the plugin loader: recovers known temperatures (no bound
// at 0.5), reports before/after figures, guards, state and options.
#include "plugin_registry.hpp"

#include <rubrika/error.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace rubrika {
namespace {

using ood_test::options;
using ood_test::registry;

std::unique_ptr<Calibrator> make(const std::string& text = "") {
  return registry().create<Calibrator>("temperature", PluginContext{}, options(text));
}

// Logits z ~ N(0, (2T)^2) [n, classes] and labels drawn from softmax(z / T): the labels are
// calibrated at temperature T, so the NLL-optimal temperature of z is T. The spread keeps
// z / T at a standard deviation of 2, where labels carry information about T (with near-
// deterministic labels the estimate is loose, whatever the method).
std::pair<at::Tensor, at::Tensor> sample_at_temperature(double t, int64_t n, int64_t classes,
                                                        uint64_t seed) {
  at::manual_seed(seed);
  const at::Tensor logits = at::randn({n, classes}, at::kDouble) * (2.0 * t);
  const at::Tensor labels = at::multinomial(at::softmax(logits / t, 1), 1).squeeze(1);
  return {logits.to(at::kFloat), labels};
}

class RecoversTemperature : public ::testing::TestWithParam<double> {};

TEST_P(RecoversTemperature, WithinOnePercent) {
  const double truth = GetParam();
  auto [logits, labels] = sample_at_temperature(truth, 100000, 5, 7);
  auto calibrator = make();
  const auto figures = calibrator->fit(logits, labels);
  RecordProperty("fitted_temperature", std::to_string(figures.at("temperature")));
  EXPECT_NEAR(figures.at("temperature"), truth, 0.01 * truth);
  EXPECT_EQ(figures.at("converged"), 1.0);
  EXPECT_GT(figures.at("iterations"), 0.0);
  EXPECT_LT(figures.at("nll_after"), figures.at("nll_before"));
  EXPECT_LT(figures.at("ece_after"), figures.at("ece_before"));
  EXPECT_LT(figures.at("ece_after"), 0.01);
  EXPECT_LE(figures.at("brier_after"), figures.at("brier_before"));
  for (const char* key : {"mce_before", "mce_after", "brier_before", "ece_before"})
    EXPECT_TRUE(figures.count(key)) << key;
  // probabilities() applies the fitted T.
  const at::Tensor expected = at::softmax(logits / figures.at("temperature"), 1);
  EXPECT_TRUE(at::allclose(calibrator->probabilities(logits), expected, 1e-5, 1e-6));
}

// 0.3 lies below the old notebook's clamp at 0.5; 2.5 above 1.
INSTANTIATE_TEST_SUITE_P(Temperatures, RecoversTemperature, ::testing::Values(2.5, 0.3));

TEST(TemperatureCalibrator, FindsTheNllMinimumToTheTolerance) {
  auto [logits, labels] = sample_at_temperature(1.7, 5000, 3, 11);
  auto calibrator = make("tolerance = 1e-8");
  const double t = calibrator->fit(logits, labels).at("temperature");
  // The NLL at T * (1 +- 1e-4) is no lower than at T.
  auto nll = [&](double temperature) {
    return at::cross_entropy_loss(logits.to(at::kDouble) / temperature, labels).item<double>();
  };
  EXPECT_LE(nll(t), nll(t * 1.0001) + 1e-12);
  EXPECT_LE(nll(t), nll(t * 0.9999) + 1e-12);
}

TEST(TemperatureCalibrator, KeepsOneWhenNllHasNoInteriorMinimum) {
  // Perfectly separated validation data: NLL falls forever as T -> 0.
  const at::Tensor logits = at::tensor({5.0, 0.0, 0.0, 5.0, 4.0, -1.0}, at::kFloat).view({3, 2});
  const at::Tensor labels = at::tensor({0, 1, 0}, at::kLong);
  auto calibrator = make("max_iterations = 60");
  const auto figures = calibrator->fit(logits, labels);
  EXPECT_DOUBLE_EQ(figures.at("temperature"), 1.0);
  EXPECT_DOUBLE_EQ(figures.at("nll_after"), figures.at("nll_before"));
  EXPECT_TRUE(at::allclose(calibrator->probabilities(logits), at::softmax(logits, 1)));
}

TEST(TemperatureCalibrator, StateRoundTripsAndBadStatesAreArtifactErrors) {
  auto [logits, labels] = sample_at_temperature(2.0, 2000, 4, 3);
  auto fitted = make();
  fitted->fit(logits, labels);
  auto loaded = make();
  loaded->load_state(fitted->state());
  EXPECT_TRUE(at::allclose(loaded->probabilities(logits), fitted->probabilities(logits)));
  EXPECT_EQ(fitted->state().at("temperature").scalar_type(), at::kDouble);
  EXPECT_THROW(loaded->load_state({}), ArtifactError);
  for (double bad : {0.0, -1.0, double(NAN), double(INFINITY)})
    EXPECT_THROW(loaded->load_state({{"temperature", at::scalar_tensor(bad, at::kDouble)}}),
                 ArtifactError)
        << bad;
  EXPECT_THROW(loaded->load_state({{"temperature", at::ones({2}, at::kDouble)}}), ArtifactError);
}

TEST(TemperatureCalibrator, RejectsBadInputs) {
  auto calibrator = make();
  EXPECT_THROW(calibrator->fit(at::zeros({3, 2}), at::tensor({0, 1}, at::kLong)), InputError);
  EXPECT_THROW(calibrator->fit(at::zeros({2, 2}), at::tensor({0, 2}, at::kLong)), InputError);
  EXPECT_THROW(calibrator->fit(at::full({2, 2}, NAN), at::tensor({0, 1}, at::kLong)), InputError);
  EXPECT_THROW(calibrator->fit(at::zeros({0, 2}), at::zeros({0}, at::kLong)), InputError);
  EXPECT_THROW(calibrator->probabilities(at::zeros({3})), InputError);
}

TEST(TemperatureCalibrator, OptionsAreStrict) {
  EXPECT_NO_THROW(make("tolerance = 1e-7\nmax_iterations = 100\nece_bins = 10"));
  EXPECT_THROW(make("tolerence = 1e-7"), RecipeError);
  EXPECT_THROW(make("tolerance = 0.5"), RecipeError);
  EXPECT_THROW(make("ece_bins = 0"), RecipeError);
}

TEST(TemperatureCalibrator, EceBinsOptionChangesTheReportedEce) {
  auto [logits, labels] = sample_at_temperature(2.0, 3000, 4, 5);
  const double fine = make("ece_bins = 50")->fit(logits, labels).at("ece_before");
  const double coarse = make("ece_bins = 2")->fit(logits, labels).at("ece_before");
  EXPECT_NE(fine, coarse);
}

}  // namespace
}  // namespace rubrika
