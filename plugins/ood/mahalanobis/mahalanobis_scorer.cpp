// ood/mahalanobis: score = min over classes of the squared Mahalanobis distance of the
// text's feature vector (CLS by default) to the class mean, under one shared Ledoit-Wolf
// shrunk covariance of the class-centred training features. Threshold and confidence gate:
// the shared rule of rubrika/ood/threshold.hpp.
//
// State (float64 unless noted): "means" [C, D], "class_ids" [C] int64, "cholesky" [D, D]
// (lower-triangular L with covariance = L L^T), "shrinkage", "ridge" and, once
// fit_thresholds() ran, "threshold" plus the validation statistics behind it.
#include "gaussian_model.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/ood/threshold.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <ATen/ATen.h>

#include <optional>

namespace {

constexpr const char* kSource = "ood/mahalanobis";
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::MatrixXd to_eigen(const at::Tensor& matrix) {
  const at::Tensor t = matrix.detach().to(at::kCPU).to(at::kDouble).contiguous();
  return Eigen::Map<const RowMajor>(t.data_ptr<double>(), t.size(0), t.size(1));
}

at::Tensor to_tensor(const Eigen::MatrixXd& matrix) {
  at::Tensor out = at::empty({matrix.rows(), matrix.cols()}, at::kDouble);
  Eigen::Map<RowMajor>(out.data_ptr<double>(), matrix.rows(), matrix.cols()) = matrix;
  return out;
}

const at::Tensor& require(const rubrika::TensorMap& state, const char* key) {
  const auto it = state.find(key);
  if (it == state.end() || !it->second.defined())
    throw rubrika::ArtifactError(std::string("the scorer state has no '") + key + "'", kSource,
                                 "re-run the ood stage (rubrika train)");
  return it->second;
}

class MahalanobisScorer : public rubrika::OodScorer {
 public:
  struct Options {
    rubrika::FeatureSource features = rubrika::FeatureSource::cls;  // the encoder vector scored
    double ridge = 0.0;                        // extra ridge * mean-variance * I on the covariance
    rubrika::ood::ThresholdOptions threshold;  // rule, quantile, z, alpha, gate

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "ood");
      Options o;
      o.features = in.get_enum("features", o.features, rubrika::kFeatureSourceNames);
      o.ridge = in.get_double("ridge", o.ridge, 0.0, 1e6);
      o.threshold = rubrika::ood::ThresholdOptions::read(in);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "min squared Mahalanobis distance to class means, Ledoit-Wolf shared covariance";

  MahalanobisScorer(const rubrika::PluginContext&, Options options)
      : options_(std::move(options)), threshold_(options_.threshold, kSource) {}

  void fit(const rubrika::OodInputs& train, const torch::Tensor& labels) override {
    const Eigen::MatrixXd x = features(train);
    model_ = rubrika::mahalanobis::GaussianModel::fit(x, rubrika::metrics::to_int64s(labels),
                                                      options_.ridge);
    threshold_.reset();
    rubrika::log_info(kSource, "fitted " + std::to_string(model_->class_ids().size()) +
                                   " class means on " + std::to_string(x.rows()) + " x " +
                                   std::to_string(x.cols()) + " features, shrinkage " +
                                   std::to_string(model_->shrinkage()));
  }

  std::map<std::string, double> fit_thresholds(const rubrika::OodInputs& validation) override {
    auto figures = threshold_.fit(score(validation));
    figures["shrinkage"] = model_->shrinkage();
    return figures;
  }

  torch::Tensor score(const rubrika::OodInputs& inputs) const override {
    const Eigen::VectorXd distances = fitted().min_distances(features(inputs));
    at::Tensor out = at::empty({distances.size()}, at::kDouble);
    Eigen::Map<Eigen::VectorXd>(out.data_ptr<double>(), distances.size()) = distances;
    return out;
  }

  torch::Tensor flag(const rubrika::OodInputs& inputs, const torch::Tensor& scores) const override {
    return threshold_.flag(inputs, scores);
  }

  rubrika::TensorMap state() const override {
    const auto& model = fitted();
    rubrika::TensorMap out;
    out["means"] = to_tensor(model.means());
    out["cholesky"] = to_tensor(model.cholesky());
    out["class_ids"] = at::tensor(model.class_ids(), at::kLong);
    out["shrinkage"] = at::scalar_tensor(model.shrinkage(), at::kDouble);
    out["ridge"] = at::scalar_tensor(model.ridge_added(), at::kDouble);
    threshold_.save(out);
    return out;
  }

  void load_state(const rubrika::TensorMap& state) override {
    const at::Tensor& means = require(state, "means");
    const at::Tensor& cholesky = require(state, "cholesky");
    const at::Tensor& ids = require(state, "class_ids");
    if (means.dim() != 2 || cholesky.dim() != 2 || ids.dim() != 1)
      throw rubrika::ArtifactError("expected means [C, D], cholesky [D, D], class_ids [C]", kSource,
                                   "re-run the ood stage");
    const double shrinkage =
        state.count("shrinkage") ? state.at("shrinkage").to(at::kDouble).item<double>() : 0.0;
    model_ = rubrika::mahalanobis::GaussianModel::from_parts(
        rubrika::metrics::to_int64s(ids), to_eigen(means), to_eigen(cholesky), shrinkage);
    threshold_.reset();
    if (state.count("threshold")) threshold_.load(state);
  }

 private:
  Eigen::MatrixXd features(const rubrika::OodInputs& inputs) const {
    if (inputs.encoded == nullptr)
      throw rubrika::InputError("the Mahalanobis scorer needs encoder outputs", kSource,
                                "fill OodInputs::encoded");
    const at::Tensor x = rubrika::select_features(*inputs.encoded, options_.features);
    if (x.dim() != 2)
      throw rubrika::InputError(
          "features must be [batch, hidden], got rank " + std::to_string(x.dim()), kSource);
    return to_eigen(x);
  }

  const rubrika::mahalanobis::GaussianModel& fitted() const {
    if (!model_)
      throw rubrika::ArtifactError("the Mahalanobis scorer is not fitted", kSource,
                                   "call fit() on training features or load_state() first");
    return *model_;
  }

  Options options_;
  std::optional<rubrika::mahalanobis::GaussianModel> model_;
  rubrika::ood::Threshold threshold_;
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::OodScorer, "mahalanobis", MahalanobisScorer)
