// calibrator/temperature: one scalar T, probabilities = softmax(logits / T) (Guo et al.,
// "On Calibration of Modern Neural Networks", 2017).
//
// fit() minimises the validation NLL over u = log T, which keeps T > 0 without a bound:
// the minimum is bracketed by expansion from T = 1 and refined with Brent's method to
// |delta log T| <= tolerance. NLL is convex in 1/T, hence unimodal in log T, so the
// bracket holds the global minimum. Guards: when no interior minimum exists (NLL keeps
// falling toward T -> 0 or infinity, e.g. perfectly separated validation data), when the
// result is not finite, or when it does not lower the NLL, T stays 1 and a warning is logged.
#include "minimise_1d.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/metrics/calibration_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <ATen/ATen.h>

#include <cmath>
#include <sstream>

namespace {

constexpr const char* kSource = "calibrator/temperature";

// Mean NLL of softmax(z / T) for logits z [n, C] (row-major) and labels y [n].
class TemperatureNll {
 public:
  TemperatureNll(std::vector<double> logits, std::vector<int64_t> labels, int64_t classes)
      : logits_(std::move(logits)), labels_(std::move(labels)), classes_(classes) {}

  double operator()(double log_temperature) const {
    const double inverse = std::exp(-log_temperature);
    double sum = 0.0;
    for (size_t i = 0; i < labels_.size(); ++i) {
      const double* row = logits_.data() + i * static_cast<size_t>(classes_);
      double top = row[0];
      for (int64_t c = 1; c < classes_; ++c) top = std::max(top, row[c]);
      double exp_sum = 0.0;
      for (int64_t c = 0; c < classes_; ++c) exp_sum += std::exp((row[c] - top) * inverse);
      sum += std::log(exp_sum) - (row[labels_[i]] - top) * inverse;
    }
    return sum / static_cast<double>(labels_.size());
  }

 private:
  std::vector<double> logits_;
  std::vector<int64_t> labels_;
  int64_t classes_;
};

class TemperatureCalibrator : public rubrika::Calibrator {
 public:
  struct Options {
    double tolerance = 1e-6;       // stop when log T is known to within this (absolute)
    int64_t max_iterations = 500;  // bracketing + Brent iterations together
    int64_t ece_bins = 15;         // equal-width confidence bins of the ECE/MCE figures

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "calibrator");
      Options o;
      o.tolerance = in.get_double("tolerance", o.tolerance, 1e-12, 1e-2);
      o.max_iterations = in.get_int("max_iterations", o.max_iterations, 10, 100000);
      o.ece_bins = in.get_int("ece_bins", o.ece_bins, 1, 1000);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "one temperature T minimising validation NLL (Brent on log T, unbounded)";

  TemperatureCalibrator(const rubrika::PluginContext&, Options options) : options_(options) {}

  std::map<std::string, double> fit(const torch::Tensor& logits,
                                    const torch::Tensor& labels) override {
    check_inputs(logits, labels);
    const at::Tensor z = logits.detach().to(at::kCPU).to(at::kDouble).contiguous();
    const int64_t classes = z.size(1);
    const std::vector<int64_t> y = rubrika::metrics::to_int64s(labels);
    const TemperatureNll nll(
        std::vector<double>(z.data_ptr<double>(), z.data_ptr<double>() + z.numel()), y, classes);
    const double nll_before = nll(0.0);
    const rubrika::temperature::Minimum best = rubrika::temperature::minimise_1d(
        nll, 0.0, 0.5, options_.tolerance, options_.max_iterations);
    temperature_ = accept(best, nll_before);

    std::map<std::string, double> figures;
    add_report(figures, "before", z, y, 1.0);
    add_report(figures, "after", z, y, temperature_);
    figures["nll_before"] = nll_before;  // exact, from the logits rather than clipped probabilities
    figures["nll_after"] = nll(std::log(temperature_));
    figures["temperature"] = temperature_;
    figures["iterations"] = static_cast<double>(best.iterations);
    figures["converged"] = best.converged ? 1.0 : 0.0;
    return figures;
  }

  torch::Tensor probabilities(const torch::Tensor& logits) const override {
    if (!logits.defined() || logits.dim() != 2)
      throw rubrika::InputError("logits must be [batch, num_labels]", kSource);
    return at::softmax(logits / temperature_, 1);
  }

  rubrika::TensorMap state() const override {
    return {{"temperature", at::scalar_tensor(temperature_, at::kDouble)}};
  }

  void load_state(const rubrika::TensorMap& state) override {
    const auto it = state.find("temperature");
    if (it == state.end())
      throw rubrika::ArtifactError("the calibrator state has no 'temperature'", kSource,
                                   "re-run the calibrate stage (rubrika train)");
    if (!it->second.defined() || it->second.numel() != 1)
      throw rubrika::ArtifactError(
          "state 'temperature' must hold one number, it holds " +
              std::to_string(it->second.defined() ? it->second.numel() : 0),
          kSource);
    const double t = it->second.to(at::kCPU).to(at::kDouble).item<double>();
    if (!std::isfinite(t) || t <= 0.0)
      throw rubrika::ArtifactError(
          "state 'temperature' is " + std::to_string(t) + "; it must be finite and > 0", kSource,
          "re-run the calibrate stage");
    temperature_ = t;
  }

 private:
  static void check_inputs(const torch::Tensor& logits, const torch::Tensor& labels) {
    if (labels.defined() && labels.dim() == 2)
      throw rubrika::InputError(
          "labels are [n, num_labels] 0/1, from a multi-label (sigmoid) head; the temperature "
          "calibrator calibrates softmax heads (one class id per text)",
          kSource, "for a multi-label head use type = \"per_label\" in [calibrator]");
    if (!logits.defined() || logits.dim() != 2 || logits.size(0) == 0 || logits.size(1) < 2)
      throw rubrika::InputError(
          "validation logits must be [n, num_labels] with n >= 1 and at least 2 labels", kSource,
          "pass the head's logits on the validation split");
    if (!labels.defined() || labels.dim() != 1 || labels.size(0) != logits.size(0))
      throw rubrika::InputError("labels must be [n] with one label per logits row", kSource);
    if (!at::isfinite(logits).all().item<bool>())
      throw rubrika::InputError("validation logits contain NaN or infinity", kSource,
                                "check the model for divergence before calibrating");
    const at::Tensor y = labels.to(at::kCPU);
    if (y.min().item<int64_t>() < 0 || y.max().item<int64_t>() >= logits.size(1))
      throw rubrika::InputError("a label is outside [0, " + std::to_string(logits.size(1)) + ")",
                                kSource);
  }

  // The fitted T if it is usable and better than T = 1; otherwise 1 with a warning.
  static double accept(const rubrika::temperature::Minimum& best, double nll_before) {
    const double t = std::exp(best.x);
    std::ostringstream why;
    if (!best.bracketed)
      why << "the validation NLL has no interior minimum (it keeps falling or stays flat "
          << "toward T = " << t << "; are the validation predictions perfectly separated?)";
    else if (!std::isfinite(t) || t <= 0.0)
      why << "the fitted temperature " << t << " is not a finite positive number";
    else if (!(best.fx < nll_before))
      why << "fitting does not lower the validation NLL (" << best.fx << " vs " << nll_before
          << ")";
    else
      return t;
    rubrika::log_warn(kSource, why.str() + "; keeping T = 1");
    return 1.0;
  }

  void add_report(std::map<std::string, double>& figures, const std::string& suffix,
                  const at::Tensor& z, const std::vector<int64_t>& y, double t) const {
    const auto report = rubrika::metrics::calibration_report(
        rubrika::metrics::to_rows(at::softmax(z / t, 1)), y, options_.ece_bins);
    figures["ece_" + suffix] = report.ece;
    figures["mce_" + suffix] = report.mce;
    figures["brier_" + suffix] = report.brier;
  }

  Options options_;
  double temperature_ = 1.0;
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Calibrator, "temperature", TemperatureCalibrator)
