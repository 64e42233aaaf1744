// ood/mahalanobis through the plugin loader: Ledoit-Wolf against the closed form computed
// here with plain loops, distances against a direct (x - mu)^T cov^-1 (x - mu), degenerate
// features, thresholds at the edges, state through state.h5.
#include "plugin_registry.hpp"

#include <rubrika/error.hpp>
#include <rubrika/metrics/ood_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/state/state_file.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

namespace rubrika {
namespace {

using ood_test::options;
using ood_test::registry;

std::unique_ptr<OodScorer> make(const std::string& text = "") {
  return registry().create<OodScorer>("mahalanobis", PluginContext{}, options(text));
}

// An encoder output whose CLS vectors are `cls` [n, D] (one token per text).
EncoderOutput encoded(const at::Tensor& cls) {
  EncoderOutput out;
  out.cls = cls;
  out.last_hidden_state = cls.unsqueeze(1);
  out.attention_mask = at::ones({cls.size(0), 1}, at::kLong);
  return out;
}

// Three well-separated Gaussian classes in D dimensions with correlated noise.
struct Clusters {
  at::Tensor features;  // [n, D] float32
  at::Tensor labels;    // [n] int64
};
Clusters clusters(int64_t n, int64_t d, uint64_t seed) {
  at::manual_seed(seed);
  const at::Tensor centres = at::randn({3, d}, at::kDouble) * 4.0;
  const at::Tensor mixing = at::eye(d, at::kDouble) + 0.3 * at::randn({d, d}, at::kDouble);
  const at::Tensor labels = at::randint(0, 3, {n}, at::kLong);
  const at::Tensor x =
      centres.index_select(0, labels) + at::randn({n, d}, at::kDouble).matmul(mixing);
  return {x.to(at::kFloat), labels};
}

// scikit-learn's ledoit_wolf(X, assume_centered=True), transcribed with plain loops:
// X2 = X**2; mu = sum(X2) / n / p; beta_ = sum(X2.T @ X2); delta_ = sum((X.T @ X)**2) / n**2;
// beta = (beta_ / n - delta_) / (p n); delta = (delta_ - 2 mu trace + p mu^2) / p.
struct Reference {
  std::vector<std::vector<double>> covariance;
  double shrinkage;
};
Reference ledoit_wolf_reference(const std::vector<std::vector<double>>& x) {
  const size_t n = x.size(), p = x[0].size();
  std::vector<std::vector<double>> xtx(p, std::vector<double>(p, 0.0));
  double beta_raw = 0.0;
  for (size_t i = 0; i < p; ++i)
    for (size_t j = 0; j < p; ++j)
      for (size_t k = 0; k < n; ++k) {
        xtx[i][j] += x[k][i] * x[k][j];
        beta_raw += x[k][i] * x[k][i] * x[k][j] * x[k][j];
      }
  double trace = 0.0, delta_raw = 0.0;
  for (size_t i = 0; i < p; ++i) {
    trace += xtx[i][i] / static_cast<double>(n);
    for (size_t j = 0; j < p; ++j) delta_raw += xtx[i][j] * xtx[i][j];
  }
  const double nn = static_cast<double>(n), pp = static_cast<double>(p);
  delta_raw /= nn * nn;
  const double mu = trace / pp;
  double beta = (beta_raw / nn - delta_raw) / (pp * nn);
  const double delta = (delta_raw - 2.0 * mu * trace + pp * mu * mu) / pp;
  beta = std::min(beta, delta);
  Reference ref{std::vector<std::vector<double>>(p, std::vector<double>(p)), beta / delta};
  for (size_t i = 0; i < p; ++i)
    for (size_t j = 0; j < p; ++j)
      ref.covariance[i][j] =
          (1.0 - ref.shrinkage) * xtx[i][j] / nn + (i == j ? ref.shrinkage * mu : 0.0);
  return ref;
}

at::Tensor covariance_of(const OodScorer& scorer) {
  const at::Tensor l = scorer.state().at("cholesky");
  return l.matmul(l.t());
}

TEST(Mahalanobis, LedoitWolfMatchesTheClosedFormOnASmallMatrix) {
  const at::Tensor x = at::tensor({1.0,  2.0, 0.5, 2.0,  1.0, 1.5, 0.0,  3.0, 1.0,   // class 0
                                   5.0,  5.5, 4.0, 6.0,  4.0, 5.0,                   // class 1
                                   -3.0, 0.0, 2.0, -2.0, 1.5, 2.5, -4.0, 0.5, 1.0},  // class 2
                                  at::kDouble)
                           .view({8, 3});
  const at::Tensor labels = at::tensor({0, 0, 0, 1, 1, 2, 2, 2}, at::kLong);
  auto scorer = make();
  const EncoderOutput enc = encoded(x);
  scorer->fit(OodInputs{&enc, {}, {}}, labels);

  // Class-centre by hand, then the reference formula.
  auto rows = metrics::to_rows(x);
  const std::vector<int64_t> y = metrics::to_int64s(labels);
  std::vector<std::vector<double>> means(3, std::vector<double>(3, 0.0));
  std::vector<double> counts(3, 0.0);
  for (size_t i = 0; i < rows.size(); ++i) {
    counts[y[i]] += 1.0;
    for (size_t j = 0; j < 3; ++j) means[y[i]][j] += rows[i][j];
  }
  for (size_t c = 0; c < 3; ++c)
    for (size_t j = 0; j < 3; ++j) means[c][j] /= counts[c];
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < 3; ++j) rows[i][j] -= means[y[i]][j];
  const Reference ref = ledoit_wolf_reference(rows);
  ASSERT_GT(ref.shrinkage, 0.0);
  ASSERT_LT(ref.shrinkage, 1.0);

  const auto state = scorer->state();
  EXPECT_NEAR(state.at("shrinkage").item<double>(), ref.shrinkage, 1e-12);
  const at::Tensor cov = covariance_of(*scorer);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_NEAR(cov[i][j].item<double>(), ref.covariance[i][j], 1e-12) << i << "," << j;
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_NEAR(state.at("means")[c][j].item<double>(), means[c][j], 1e-12);
  EXPECT_TRUE(at::equal(state.at("class_ids"), at::tensor({0, 1, 2}, at::kLong)));
}

TEST(Mahalanobis, DistancesMatchADirectComputation) {
  const Clusters data = clusters(400, 6, 1);
  auto scorer = make();
  const EncoderOutput train = encoded(data.features);
  scorer->fit(OodInputs{&train, {}, {}}, data.labels);

  at::manual_seed(9);
  const at::Tensor queries = at::randn({20, 6}, at::kDouble) * 5.0;
  const EncoderOutput enc = encoded(queries);
  const at::Tensor scores = scorer->score(OodInputs{&enc, {}, {}});
  ASSERT_EQ(scores.scalar_type(), at::kDouble);
  ASSERT_EQ(scores.sizes(), (at::IntArrayRef{20}));

  const at::Tensor precision = at::inverse(covariance_of(*scorer));  // well-conditioned here
  const at::Tensor means = scorer->state().at("means");
  for (int64_t i = 0; i < 20; ++i) {
    double best = INFINITY;
    for (int64_t c = 0; c < means.size(0); ++c) {
      const at::Tensor diff = queries[i] - means[c];
      best = std::min(best, diff.dot(precision.mv(diff)).item<double>());
    }
    EXPECT_NEAR(scores[i].item<double>(), best, 1e-9 * std::max(1.0, best)) << i;
  }
}

TEST(Mahalanobis, MoreFeaturesThanTextsStillGivesFiniteScores) {
  at::manual_seed(2);
  const at::Tensor x = at::randn({10, 64});
  const at::Tensor labels = at::tensor({0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, at::kLong);
  auto scorer = make();
  const EncoderOutput enc = encoded(x);
  scorer->fit(OodInputs{&enc, {}, {}}, labels);
  const EncoderOutput other = encoded(at::randn({5, 64}) * 10.0);
  const at::Tensor scores = scorer->score(OodInputs{&other, {}, {}});
  EXPECT_TRUE(at::isfinite(scores).all().item<bool>());
  EXPECT_TRUE((scores > 0).all().item<bool>());
  EXPECT_GT(scorer->state().at("shrinkage").item<double>(), 0.0);
}

TEST(Mahalanobis, ConstantFeaturesGetARidgeAndFiniteScores) {
  const at::Tensor x = at::ones({6, 4});
  auto scorer = make();
  const EncoderOutput enc = encoded(x);
  scorer->fit(OodInputs{&enc, {}, {}}, at::zeros({6}, at::kLong));
  EXPECT_GT(scorer->state().at("ridge").item<double>(), 0.0);
  EXPECT_NEAR(scorer->score(OodInputs{&enc, {}, {}}).abs().max().item<double>(), 0.0, 1e-12);
  const EncoderOutput far = encoded(at::full({1, 4}, 3.0));
  const at::Tensor score = scorer->score(OodInputs{&far, {}, {}});
  EXPECT_TRUE(std::isfinite(score.item<double>()));
  EXPECT_GT(score.item<double>(), 1.0);
}

TEST(Mahalanobis, AClassWithOneExampleHasItsOwnMean) {
  const Clusters data = clusters(60, 4, 3);
  at::Tensor features = at::cat({data.features, at::full({1, 4}, 50.0)});
  at::Tensor labels = at::cat({data.labels, at::tensor({7}, at::kLong)});
  auto scorer = make();
  const EncoderOutput enc = encoded(features);
  scorer->fit(OodInputs{&enc, {}, {}}, labels);
  EXPECT_TRUE(at::equal(scorer->state().at("class_ids"), at::tensor({0, 1, 2, 7}, at::kLong)));
  const EncoderOutput single = encoded(at::full({1, 4}, 50.0));
  EXPECT_NEAR(scorer->score(OodInputs{&single, {}, {}}).item<double>(), 0.0, 1e-9);
}

TEST(Mahalanobis, OneClassWorksEndToEnd) {
  at::manual_seed(4);
  const at::Tensor x = at::randn({100, 5});
  auto scorer = make("gate = 1.0");
  const EncoderOutput train = encoded(x);
  scorer->fit(OodInputs{&train, {}, {}}, at::zeros({100}, at::kLong));
  const EncoderOutput validation = encoded(at::randn({50, 5}));
  const auto figures = scorer->fit_thresholds(OodInputs{&validation, {}, {}});
  EXPECT_GT(figures.at("threshold"), figures.at("validation_mean"));
  const EncoderOutput far = encoded(at::full({1, 5}, 20.0));
  const OodInputs far_inputs{&far, {}, {}};
  EXPECT_TRUE(scorer->flag(far_inputs, scorer->score(far_inputs))[0].item<bool>());
}

TEST(Mahalanobis, SeparatesFarTextsAndFlagsThemUnlessConfident) {
  const Clusters train = clusters(600, 8, 5);
  const Clusters validation = clusters(300, 8, 5);  // same centres: same seed prefix
  auto scorer = make("rule = \"max\"\nquantile = 0.99\nz = 3.0\nalpha = 1.2\ngate = 0.75");
  const EncoderOutput train_enc = encoded(train.features);
  scorer->fit(OodInputs{&train_enc, {}, {}}, train.labels);
  const EncoderOutput val_enc = encoded(validation.features);
  const auto figures = scorer->fit_thresholds(OodInputs{&val_enc, {}, {}});
  for (const char* key : {"threshold", "validation_quantile", "validation_mean", "validation_std",
                          "validation_zscore", "validation_count", "shrinkage"})
    EXPECT_TRUE(figures.count(key)) << key;
  const double base = std::max(figures.at("validation_quantile"), figures.at("validation_zscore"));
  EXPECT_NEAR(figures.at("threshold"), 1.2 * base, 1e-9 * base);

  at::manual_seed(6);
  const EncoderOutput ood_enc = encoded(at::randn({100, 8}) * 3.0 + 25.0);
  const at::Tensor in_scores = scorer->score(OodInputs{&val_enc, {}, {}});
  const at::Tensor ood_scores = scorer->score(OodInputs{&ood_enc, {}, {}});
  EXPECT_GE(metrics::auroc(metrics::to_doubles(in_scores), metrics::to_doubles(ood_scores)), 0.99);

  // Unsure probabilities: OOD texts are flagged, in-domain validation texts (almost) never.
  const at::Tensor unsure = at::full({100, 3}, 1.0 / 3.0, at::kDouble);
  const at::Tensor ood_flags = scorer->flag(OodInputs{&ood_enc, {}, unsure}, ood_scores);
  EXPECT_TRUE(ood_flags.all().item<bool>());
  const at::Tensor in_flags =
      scorer->flag(OodInputs{&val_enc, {}, at::full({300, 3}, 1.0 / 3.0, at::kDouble)}, in_scores);
  EXPECT_LE(in_flags.to(at::kDouble).mean().item<double>(), 0.01);
  // Confident probabilities hold the flag back (gate 0.75).
  const at::Tensor confident = at::tensor({0.9, 0.05, 0.05}, at::kDouble).repeat({100, 1});
  EXPECT_FALSE(scorer->flag(OodInputs{&ood_enc, {}, confident}, ood_scores).any().item<bool>());
}

TEST(Mahalanobis, StateRoundTripsThroughStateH5) {
  const Clusters data = clusters(200, 5, 8);
  auto scorer = make();
  const EncoderOutput enc = encoded(data.features);
  scorer->fit(OodInputs{&enc, {}, {}}, data.labels);
  scorer->fit_thresholds(OodInputs{&enc, {}, {}});
  const auto dir =
      std::filesystem::temp_directory_path() / ("rubrika_ood_state_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    state::StateWriter out(dir / "state.h5");
    out.write_tensor_map("/ood/mahalanobis", scorer->state());
    out.commit();
  }
  auto loaded = make();
  loaded->load_state(state::StateReader(dir / "state.h5").read_tensor_map("/ood/mahalanobis"));
  std::filesystem::remove_all(dir);
  const OodInputs inputs{&enc, {}, at::full({200, 3}, 0.5, at::kDouble)};
  const at::Tensor scores = scorer->score(inputs);
  EXPECT_TRUE(at::allclose(loaded->score(inputs), scores, 1e-12, 1e-12));
  EXPECT_TRUE(at::equal(loaded->flag(inputs, scores), scorer->flag(inputs, scores)));
}

TEST(Mahalanobis, FeaturesOptionPicksTheEncoderVector) {
  at::manual_seed(10);
  EncoderOutput enc;
  enc.last_hidden_state = at::randn({40, 3, 4});
  enc.attention_mask = at::ones({40, 3}, at::kLong);
  enc.cls = enc.last_hidden_state.select(1, 0);
  const at::Tensor labels = at::randint(0, 2, {40}, at::kLong);
  auto by_mean = make("features = \"mean\"");
  by_mean->fit(OodInputs{&enc, {}, {}}, labels);
  auto by_cls = make("features = \"cls\"");
  by_cls->fit(OodInputs{&enc, {}, {}}, labels);
  const at::Tensor expected_mean = enc.mean_pooled().to(at::kDouble);
  EXPECT_TRUE(at::allclose(by_mean->state().at("means")[0],
                           expected_mean.index({labels == 0}).mean(0), 1e-6, 1e-6));
  EXPECT_FALSE(at::allclose(by_mean->score(OodInputs{&enc, {}, {}}),
                            by_cls->score(OodInputs{&enc, {}, {}})));
  auto by_pooled = make("features = \"pooled\"");
  EXPECT_THROW(by_pooled->fit(OodInputs{&enc, {}, {}}, labels), InputError);  // no pooler
}

// A tfidf encoder gives tens of thousands of features: the fit must refuse them at once with
// what to use instead, not fill the memory with a dense covariance until the run is killed.
TEST(Mahalanobis, FeaturesTooWideForADenseCovarianceAreRefusedNamingTheAlternatives) {
  auto scorer = make();
  const EncoderOutput enc = encoded(at::randn({4, 43140}));
  try {
    scorer->fit(OodInputs{&enc, {}, {}}, at::tensor({0, 0, 1, 1}, at::kLong));
    FAIL() << "a 43140-dimensional fit was accepted";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("43140 dimensions"), std::string::npos) << message;
    EXPECT_NE(message.find("14.9 GB"), std::string::npos) << message;
    EXPECT_NE(message.find("[ood] type = \"mahalanobis\""), std::string::npos) << message;
    EXPECT_NE(message.find("msp"), std::string::npos) << message;
  }
}

TEST(Mahalanobis, ClearErrors) {
  auto scorer = make();
  const EncoderOutput enc = encoded(at::randn({10, 3}));
  const OodInputs inputs{&enc, {}, {}};
  EXPECT_THROW(scorer->score(inputs), ArtifactError);  // not fitted
  EXPECT_THROW(scorer->state(), ArtifactError);
  EXPECT_THROW(scorer->fit(OodInputs{}, at::zeros({10}, at::kLong)), InputError);  // no features
  EXPECT_THROW(scorer->fit(inputs, at::zeros({9}, at::kLong)), InputError);
  const EncoderOutput nan = encoded(at::full({2, 3}, NAN));
  EXPECT_THROW(scorer->fit(OodInputs{&nan, {}, {}}, at::zeros({2}, at::kLong)), InputError);
  scorer->fit(inputs, at::zeros({10}, at::kLong));
  EXPECT_THROW(scorer->flag(inputs, scorer->score(inputs)), ArtifactError);  // no threshold
  const EncoderOutput wide = encoded(at::randn({2, 4}));
  EXPECT_THROW(scorer->score(OodInputs{&wide, {}, {}}), InputError);
  const EncoderOutput none = encoded(at::zeros({0, 3}));
  EXPECT_THROW(scorer->fit_thresholds(OodInputs{&none, {}, {}}), InputError);  // empty validation
  EXPECT_THROW(scorer->load_state({}), ArtifactError);
  auto state = scorer->state();
  state["cholesky"] = at::eye(4, at::kDouble);
  EXPECT_THROW(scorer->load_state(state), ArtifactError);
  EXPECT_THROW(make("features = \"last\""), RecipeError);
  EXPECT_THROW(make("treshold = 3"), RecipeError);
}

}  // namespace
}  // namespace rubrika
