// calibrator/per_label through the plugin loader: Platt scaling and per-label temperatures
// recover known maps and lower BCE; one-class and separable labels stay finite; the state
// round-trips; options are strict; single-label inputs are refused with a pointer to
// calibrator/temperature, which in turn refuses multi-label inputs.
#include "plugin_registry.hpp"

#include <rubrika/error.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace rubrika {
namespace {

using ood_test::options;
using ood_test::registry;

std::unique_ptr<Calibrator> make(const std::string& text = "",
                                 const PluginContext& context = PluginContext{}) {
  return registry().create<Calibrator>("per_label", context, options(text));
}

// One label's true map p = sigmoid(a·z + b) and the spread of its logits z ~ N(0, spread²).
struct TrueMap {
  double a, b, spread;
};

// Logits [n, L] float and 0/1 labels [n, L] float drawn from each label's true map.
std::pair<at::Tensor, at::Tensor> sample(const std::vector<TrueMap>& maps, int64_t n,
                                         uint64_t seed) {
  at::manual_seed(seed);
  std::vector<double> a, b, spread;
  for (const TrueMap& m : maps) {
    a.push_back(m.a);
    b.push_back(m.b);
    spread.push_back(m.spread);
  }
  const auto num_labels = static_cast<int64_t>(maps.size());
  const at::Tensor z = at::randn({n, num_labels}, at::kDouble) * at::tensor(spread, at::kDouble);
  const at::Tensor p = at::sigmoid(z * at::tensor(a, at::kDouble) + at::tensor(b, at::kDouble));
  return {z.to(at::kFloat), at::bernoulli(p).to(at::kFloat)};
}

// Mean BCE over all cells of sigmoid(a·z + b), in double, from the scores.
double bce(const at::Tensor& z, const at::Tensor& y, const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor s = z.to(at::kDouble) * a.to(at::kDouble) + b.to(at::kDouble);
  return at::binary_cross_entropy_with_logits(s, y.to(at::kDouble)).item<double>();
}
double bce_of_label(const at::Tensor& z, const at::Tensor& y, int64_t j, double a, double b) {
  return bce(z.select(1, j), y.select(1, j), at::scalar_tensor(a, at::kDouble),
             at::scalar_tensor(b, at::kDouble));
}

// The message of the rubrika::Error subclass E that `call` throws ("" and a failure if none).
template <class E, class F>
std::string message_of(F&& call) {
  try {
    call();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception of the expected type";
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PerLabelPlatt, RecoversKnownMapsAndLowersBce) {
  // Label 0 is the brief's miscalibrated head, label 1 overconfident the other way, label 2
  // calibrated already.
  const std::vector<TrueMap> truth = {{0.5, -1.0, 3.0}, {2.0, 0.5, 1.5}, {1.0, 0.0, 3.0}};
  auto [logits, labels] = sample(truth, 20000, 7);
  auto calibrator = make();
  const auto figures = calibrator->fit(logits, labels);
  for (size_t j = 0; j < truth.size(); ++j) {
    const std::string key = std::to_string(j);
    RecordProperty("a_" + key, std::to_string(figures.at("a." + key)));
    RecordProperty("b_" + key, std::to_string(figures.at("b." + key)));
    EXPECT_NEAR(figures.at("a." + key), truth[j].a, 0.05 * truth[j].a) << "label " << j;
    EXPECT_NEAR(figures.at("b." + key), truth[j].b, 0.08) << "label " << j;
  }
  EXPECT_EQ(figures.at("labels"), 3.0);
  EXPECT_EQ(figures.at("converged"), 1.0);
  EXPECT_GT(figures.at("iterations"), 0.0);
  EXPECT_EQ(figures.at("labels_at_bound"), 0.0);
  EXPECT_EQ(figures.at("labels_single_class"), 0.0);
  EXPECT_LT(figures.at("nll_after"), figures.at("nll_before") - 0.01);

  // The figures are the BCE of sigmoid(z) and of the stored maps, over all cells.
  const TensorMap state = calibrator->state();
  EXPECT_NEAR(figures.at("nll_before"), bce(logits, labels, at::ones({3}), at::zeros({3})), 1e-9);
  EXPECT_NEAR(figures.at("nll_after"), bce(logits, labels, state.at("a"), state.at("b")), 1e-9);
  // probabilities() applies them.
  const at::Tensor expected = at::sigmoid(logits * state.at("a") + state.at("b"));
  const at::Tensor probabilities = calibrator->probabilities(logits);
  EXPECT_EQ(probabilities.sizes(), logits.sizes());
  EXPECT_TRUE(at::allclose(probabilities, expected, 1e-6, 1e-7));
}

TEST(PerLabelPlatt, FindsTheBceMinimumOfEachLabel) {
  auto [logits, labels] = sample({{0.5, -1.0, 3.0}, {1.5, 0.3, 2.0}}, 20000, 13);
  const auto figures = make()->fit(logits, labels);
  for (int64_t j = 0; j < 2; ++j) {
    const double a = figures.at("a." + std::to_string(j)), b = figures.at("b." + std::to_string(j));
    const double at_fit = bce_of_label(logits, labels, j, a, b);
    // Smoothed targets pull the optimum by O(1/n); a step of 0.01 costs far more than that.
    for (double da : {-0.01, 0.01}) EXPECT_LT(at_fit, bce_of_label(logits, labels, j, a + da, b));
    for (double db : {-0.01, 0.01}) EXPECT_LT(at_fit, bce_of_label(logits, labels, j, a, b + db));
  }
}

TEST(PerLabelTemperature, RecoversTemperaturesBelowTheOldClampAndAboveOne) {
  // Logits spread 2T so that z / T has a standard deviation of 2 (labels informative about T).
  const std::vector<double> temperatures = {0.3, 2.5};
  std::vector<TrueMap> truth;
  for (double t : temperatures) truth.push_back({1.0 / t, 0.0, 2.0 * t});
  auto [logits, labels] = sample(truth, 50000, 5);
  auto calibrator = make("method = \"temperature\"");
  const auto figures = calibrator->fit(logits, labels);
  for (size_t j = 0; j < temperatures.size(); ++j) {
    const std::string key = std::to_string(j);
    RecordProperty("temperature_" + key, std::to_string(1.0 / figures.at("a." + key)));
    EXPECT_NEAR(1.0 / figures.at("a." + key), temperatures[j], 0.03 * temperatures[j]);
    EXPECT_EQ(figures.at("b." + key), 0.0);
  }
  EXPECT_EQ(figures.at("converged"), 1.0);
  EXPECT_EQ(figures.at("labels_at_bound"), 0.0);
  EXPECT_LT(figures.at("nll_after"), figures.at("nll_before") - 0.01);
  EXPECT_TRUE(at::equal(calibrator->state().at("b"), at::zeros({2})));
}

TEST(PerLabelTemperature, ReportsAnOptimumOnTheSearchBound) {
  // Tiny logits that separate the classes perfectly: the best T is far below e^-6.
  const at::Tensor sign = (at::arange(200) % 2).to(at::kFloat);
  const at::Tensor logits = ((sign * 2 - 1) * 1e-3).view({200, 1});
  const at::Tensor labels = sign.view({200, 1});
  const auto figures = make("method = \"temperature\"")->fit(logits, labels);
  EXPECT_EQ(figures.at("labels_at_bound"), 1.0);
  EXPECT_NEAR(figures.at("a.0"), std::exp(6.0), 1e-3 * std::exp(6.0));
  EXPECT_LT(figures.at("nll_after"), figures.at("nll_before"));
}

class OneClassAndSeparableLabels : public ::testing::TestWithParam<const char*> {};

TEST_P(OneClassAndSeparableLabels, GiveFiniteBoundedMaps) {
  auto [logits, labels] =
      sample({{1.0, 0.0, 3.0}, {1.0, 0.0, 3.0}, {1.0, 0.0, 3.0}, {0.5, -1.0, 3.0}}, 2000, 3);
  labels.select(1, 0).fill_(1.0);                                       // every text has label 0
  labels.select(1, 1).fill_(0.0);                                       // no text has label 1
  labels.select(1, 2).copy_((logits.select(1, 2) > 0).to(at::kFloat));  // separable by z
  auto calibrator = make(std::string("method = \"") + GetParam() + "\"");
  const auto figures = calibrator->fit(logits, labels);
  for (const auto& [key, value] : figures) EXPECT_TRUE(std::isfinite(value)) << key;
  EXPECT_EQ(figures.at("labels_single_class"), 2.0);
  for (const char* j : {"0", "1"}) {  // one class: left at the identity map
    EXPECT_EQ(figures.at(std::string("a.") + j), 1.0);
    EXPECT_EQ(figures.at(std::string("b.") + j), 0.0);
  }
  RecordProperty("separable_a", std::to_string(figures.at("a.2")));
  RecordProperty("separable_b", std::to_string(figures.at("b.2")));
  EXPECT_LT(std::abs(figures.at("a.2")), 50.0);  // separable, yet bounded
  EXPECT_LT(std::abs(figures.at("b.2")), 50.0);
  EXPECT_LE(figures.at("nll_after"), figures.at("nll_before"));
  const TensorMap state = calibrator->state();
  EXPECT_TRUE(at::isfinite(state.at("a")).all().item<bool>());
  EXPECT_TRUE(at::isfinite(state.at("b")).all().item<bool>());
  const at::Tensor p = calibrator->probabilities(logits);
  EXPECT_TRUE(at::isfinite(p).all().item<bool>());
  EXPECT_TRUE(((p >= 0) & (p <= 1)).all().item<bool>());
  EXPECT_TRUE(at::allclose(p.select(1, 0), at::sigmoid(logits.select(1, 0)), 1e-6, 1e-7));
}

INSTANTIATE_TEST_SUITE_P(Methods, OneClassAndSeparableLabels,
                         ::testing::Values("platt", "temperature"));

TEST(PerLabelCalibrator, StateRoundTripsToIdenticalProbabilities) {
  auto [logits, labels] = sample({{0.5, -1.0, 3.0}, {2.0, 0.5, 1.5}}, 3000, 11);
  for (const char* method : {"platt", "temperature"}) {
    const std::string recipe = std::string("method = \"") + method + "\"";
    auto fitted = make(recipe);
    fitted->fit(logits, labels);
    const TensorMap state = fitted->state();
    ASSERT_EQ(state.size(), 2u);
    for (const char* key : {"a", "b"}) {
      EXPECT_EQ(state.at(key).scalar_type(), at::kFloat) << key;
      EXPECT_EQ(state.at(key).dim(), 1) << key;
      EXPECT_EQ(state.at(key).size(0), 2) << key;
    }
    auto loaded = make(recipe);
    loaded->load_state(state);
    EXPECT_TRUE(at::equal(loaded->probabilities(logits), fitted->probabilities(logits))) << method;
  }
}

TEST(PerLabelCalibrator, BadStatesAreArtifactErrorsNamingTheKey) {
  const at::Tensor two = at::ones({2});
  auto loaded = make();
  EXPECT_TRUE(contains(message_of<ArtifactError>([&] {
                         loaded->load_state({{"b", two}});
                       }),
                       "'a'"));
  EXPECT_TRUE(contains(message_of<ArtifactError>([&] {
                         loaded->load_state({{"a", two}});
                       }),
                       "'b'"));
  EXPECT_TRUE(contains(message_of<ArtifactError>([&] {
                         loaded->load_state({{"a", at::ones({2, 1})}, {"b", two}});
                       }),
                       "'a'"));
  EXPECT_TRUE(contains(message_of<ArtifactError>([&] {
                         loaded->load_state({{"a", two}, {"b", at::ones({3})}});
                       }),
                       "'b'"));
  EXPECT_THROW(loaded->load_state({{"a", at::full({2}, NAN)}, {"b", two}}), ArtifactError);
  EXPECT_THROW(loaded->load_state({{"a", at::ones({2}, at::kLong)}, {"b", two}}), ArtifactError);
  // A temperature state has b = 0 and a = 1/T > 0.
  auto temperature = make("method = \"temperature\"");
  EXPECT_THROW(temperature->load_state({{"a", two}, {"b", two}}), ArtifactError);
  EXPECT_THROW(temperature->load_state({{"a", -two}, {"b", at::zeros({2})}}), ArtifactError);
  // The head's label count, when the host gives it, must match.
  PluginContext context;
  context.labels = {"спорт", "политика", "экономика"};
  EXPECT_THROW(make("", context)->load_state({{"a", two}, {"b", two}}), ArtifactError);
  EXPECT_NO_THROW(make("", context)->load_state({{"a", at::ones({3})}, {"b", at::zeros({3})}}));
}

TEST(PerLabelCalibrator, SingleLabelLabelsPointToTheTemperatureCalibrator) {
  const std::string message = message_of<InputError>([] {
    make()->fit(at::zeros({3, 2}), at::tensor({0, 1, 1}, at::kLong));
  });
  EXPECT_TRUE(contains(message, "multi-label")) << message;
  EXPECT_TRUE(contains(message, "type = \"temperature\"")) << message;
}

TEST(PerLabelCalibrator, TemperatureCalibratorPointsMultiLabelHeadsHere) {
  auto temperature = registry().create<Calibrator>("temperature", PluginContext{}, options(""));
  for (int64_t num_labels : {1, 3}) {
    const std::string message = message_of<InputError>([&] {
      temperature->fit(at::zeros({4, num_labels}), at::zeros({4, num_labels}));
    });
    EXPECT_TRUE(contains(message, "softmax")) << message;
    EXPECT_TRUE(contains(message, "type = \"per_label\"")) << message;
  }
}

TEST(PerLabelCalibrator, RejectsBadInputs) {
  auto calibrator = make();
  const at::Tensor y = at::tensor({0.0f, 1.0f, 1.0f, 0.0f}).view({2, 2});
  EXPECT_THROW(calibrator->fit(at::zeros({3, 2}), y), InputError);        // rows differ
  EXPECT_THROW(calibrator->fit(at::zeros({2, 3}), y), InputError);        // labels differ
  EXPECT_THROW(calibrator->fit(at::zeros({2, 2}), y * 0.5), InputError);  // not 0/1
  EXPECT_THROW(calibrator->fit(at::full({2, 2}, NAN), y), InputError);    // NaN logits
  EXPECT_THROW(calibrator->fit(at::zeros({0, 2}), at::zeros({0, 2})), InputError);
  EXPECT_THROW(calibrator->probabilities(at::zeros({3})), InputError);
  // Not fitted: the head's own sigmoid. Fitted on 2 labels: 3 are refused.
  const at::Tensor z = at::randn({5, 3});
  EXPECT_TRUE(at::equal(calibrator->probabilities(z), at::sigmoid(z)));
  calibrator->fit(at::tensor({2.0f, -1.0f, -2.0f, 1.0f}).view({2, 2}), y);
  EXPECT_THROW(calibrator->probabilities(z), InputError);
}

TEST(PerLabelCalibrator, OptionsAreStrict) {
  EXPECT_NO_THROW(make("method = \"temperature\"\nmax_iterations = 50"));
  EXPECT_NO_THROW(make("min_validation = 100\ncv_folds = 3"));  // read by the calibrate stage
  const std::string message = message_of<RecipeError>([] { make("method = \"isotonic\""); });
  EXPECT_TRUE(contains(message, "platt")) << message;  // lists the choices
  EXPECT_THROW(make("methd = \"platt\""), RecipeError);
  EXPECT_THROW(make("max_iterations = 0"), RecipeError);
  EXPECT_THROW(make("method = 1"), RecipeError);
}

TEST(PerLabelCalibrator, MaxIterationsBoundsTheNewtonSteps) {
  auto [logits, labels] = sample({{0.5, -1.0, 3.0}}, 5000, 17);
  const auto figures = make("max_iterations = 1")->fit(logits, labels);
  EXPECT_EQ(figures.at("iterations"), 1.0);
  EXPECT_EQ(figures.at("converged"), 0.0);
}

}  // namespace
}  // namespace rubrika
