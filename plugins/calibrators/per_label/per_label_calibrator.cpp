// calibrator/per_label: calibrates a multi-label (sigmoid) head one label at a time. Each
// label j gets its own map p_j = sigmoid(a_j·z_j + b_j) of its logit z_j, fitted on the
// validation split to minimise that label's binary cross-entropy (BCE).
//
//   method = "platt" (default)  a_j and b_j free: Platt scaling (sigmoid_map_fit.hpp).
//   method = "temperature"      b_j = 0, a_j = 1/T_j with log T_j in [-6, 6] (T from 0.0025
//                               to 403): wide on purpose — a search clamped near T = 0.5
//                               once stopped on its bound unnoticed. A temperature that
//                               ends on the bound is logged as a warning.
//   max_iterations = 100        Newton steps per label.
//
// Labels left at the identity map sigmoid(z) (a = 1, b = 0), with a warning: a label whose
// validation texts are all positive or all negative (they say nothing about its slope, and
// a fitted constant would erase its ranking), and a label whose fit does not lower its
// validation BCE.
//
// fit(logits [n, L] float, labels [n, L] 0/1) returns these figures (j: the label's column
// in the head's logits, from 0; BCE is measured against the 0/1 labels):
//   nll_before, nll_after    mean BCE over all n·L cells, of sigmoid(z) and of the fitted maps
//   a.<j>, b.<j>             label j's map (temperature: a.<j> = 1/T_j, b.<j> = 0)
//   labels                   L
//   iterations               the most Newton steps any label took
//   converged                1 when every fitted label converged, else 0
//   labels_at_bound          labels whose temperature ended on the bound (0 for platt)
//   labels_single_class      labels left at the identity for having one class only
//   labels_kept_identity     labels left at the identity because the fit did not help
//
// state(): "a" [L] float32 and "b" [L] float32; probabilities() = sigmoid(a * logits + b).
// A single-label (softmax) head's [n] class ids are an InputError pointing to
// type = "temperature".
#include "sigmoid_map_fit.hpp"

#include <rubrika/enum_names.hpp>
#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace {

using rubrika::per_label::FitResult;
using rubrika::per_label::FitSettings;
using rubrika::per_label::SigmoidMap;

constexpr const char* kSource = "calibrator/per_label";
constexpr double kLogTemperatureBound = 6.0;  // |log T| <= 6
constexpr size_t kLabelsNamedInWarnings = 5;  // a warning names this many labels, then counts

enum class Method { platt, temperature };
inline constexpr rubrika::EnumName<Method> kMethodNames[] = {{"platt", Method::platt},
                                                             {"temperature", Method::temperature}};

// "[3, 2]"
std::string shape_text(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::ostringstream out;
  out << '[';
  for (int64_t d = 0; d < t.dim(); ++d) out << (d ? ", " : "") << t.size(d);
  out << ']';
  return out.str();
}

// What fitting one label gave.
struct LabelFit {
  SigmoidMap map;       // the map kept (the identity when not fitted or not better)
  FitResult result;     // the fit's own outcome (default when not fitted)
  bool fitted = false;  // false: one class only, left at the identity
  bool kept_identity = false;
  double nll_before = 0.0;  // BCE of sigmoid(z) against the 0/1 labels
  double nll_after = 0.0;   // BCE of the kept map
};

// Labels named in a warning: the first few, then a count.
class LabelList {
 public:
  explicit LabelList(const std::vector<std::string>& names) : names_(names) {}

  void add(size_t label, const std::string& detail = {}) {
    if (count_++ >= kLabelsNamedInWarnings) return;
    text_ << (count_ > 1 ? ", " : "")
          << (label < names_.size() ? "'" + names_[label] + "'" : "#" + std::to_string(label));
    if (!detail.empty()) text_ << " (" << detail << ")";
  }
  size_t count() const { return count_; }
  // "2 labels: 'спорт', #3 (T = 0.0025)"
  std::string text() const {
    std::string out = std::to_string(count_) + (count_ == 1 ? " label: " : " labels: ");
    out += text_.str();
    if (count_ > kLabelsNamedInWarnings)
      out += " and " + std::to_string(count_ - kLabelsNamedInWarnings) + " more";
    return out;
  }

 private:
  const std::vector<std::string>& names_;
  size_t count_ = 0;
  std::ostringstream text_;
};

class PerLabelCalibrator : public rubrika::Calibrator {
 public:
  struct Options {
    Method method = Method::platt;  // "platt": a and b per label; "temperature": T per label
    int64_t max_iterations = 100;   // Newton steps per label (a fit usually needs under 10)

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "calibrator");
      Options o;
      o.method = in.get_enum("method", o.method, kMethodNames);
      o.max_iterations = in.get_int("max_iterations", o.max_iterations, 1, 100000);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "per-label Platt scaling or temperature for multi-label sigmoid heads (Newton on BCE)";

  PerLabelCalibrator(const rubrika::PluginContext& context, Options options)
      : options_(options), label_names_(context.labels) {}

  std::map<std::string, double> fit(const torch::Tensor& logits,
                                    const torch::Tensor& labels) override {
    check_inputs(logits, labels);
    // [L, n]: one label's column is contiguous.
    const at::Tensor z = logits.detach().to(at::kCPU).to(at::kDouble).t().contiguous();
    const at::Tensor y = labels.detach().to(at::kCPU).to(at::kDouble).t().contiguous();
    const int64_t num_labels = z.size(0), n = z.size(1);

    std::vector<LabelFit> fits;
    for (int64_t j = 0; j < num_labels; ++j) {
      const double* zj = z.data_ptr<double>() + j * n;
      const double* yj = y.data_ptr<double>() + j * n;
      fits.push_back(fit_label(std::vector<double>(zj, zj + n), std::vector<double>(yj, yj + n)));
    }
    keep(fits);
    warn_about(fits);
    return figures(fits);
  }

  torch::Tensor probabilities(const torch::Tensor& logits) const override {
    if (!logits.defined() || logits.dim() != 2)
      throw rubrika::InputError(
          "logits must be [batch, num_labels], they are " + shape_text(logits), kSource);
    if (!a_.defined()) return at::sigmoid(logits);  // not fitted: the head's own probabilities
    if (logits.size(1) != a_.size(0))
      throw rubrika::InputError("logits have " + std::to_string(logits.size(1)) +
                                    " labels; the calibrator was fitted on " +
                                    std::to_string(a_.size(0)),
                                kSource, "calibrate on the same head's logits");
    const auto options = logits.options();
    return at::sigmoid(logits * a_.to(options) + b_.to(options));
  }

  rubrika::TensorMap state() const override {
    if (!a_.defined()) throw rubrika::Error("state() called before fit() or load_state()", kSource);
    return {{"a", a_.clone()}, {"b", b_.clone()}};
  }

  void load_state(const rubrika::TensorMap& state) override {
    const at::Tensor a = state_vector(state, "a");
    const at::Tensor b = state_vector(state, "b");
    if (a.size(0) != b.size(0))
      throw rubrika::ArtifactError("state 'b' holds " + std::to_string(b.size(0)) +
                                       " labels but 'a' holds " + std::to_string(a.size(0)),
                                   kSource, "re-run the calibrate stage (rubrika train)");
    if (!label_names_.empty() && a.size(0) != static_cast<int64_t>(label_names_.size()))
      throw rubrika::ArtifactError("state 'a' holds " + std::to_string(a.size(0)) +
                                       " labels but the head has " +
                                       std::to_string(label_names_.size()),
                                   kSource, "re-run the calibrate stage (rubrika train)");
    if (options_.method == Method::temperature) {
      if (!(a > 0).all().item<bool>())
        throw rubrika::ArtifactError("state 'a' (1/T) must be > 0 for method = \"temperature\"",
                                     kSource, "was the state fitted with another method?");
      if (!(b == 0).all().item<bool>())
        throw rubrika::ArtifactError("state 'b' must be 0 for method = \"temperature\"", kSource,
                                     "was the state fitted with another method?");
    }
    a_ = a;
    b_ = b;
  }

 private:
  static void check_inputs(const torch::Tensor& logits, const torch::Tensor& labels) {
    if (!logits.defined() || logits.dim() != 2 || logits.size(0) == 0 || logits.size(1) == 0)
      throw rubrika::InputError(
          "validation logits must be [n, num_labels] with n >= 1, they are " + shape_text(logits),
          kSource, "pass the head's logits on the validation split");
    if (labels.defined() && labels.dim() == 1)
      throw rubrika::InputError(
          "labels are [n] class ids, from a single-label (softmax) head; this calibrator is "
          "for multi-label (sigmoid) heads, whose labels are [n, num_labels] 0/1",
          kSource, "for a single-label head use type = \"temperature\" in [calibrator]");
    if (!labels.defined() || !labels.sizes().equals(logits.sizes()))
      throw rubrika::InputError("labels must be [n, num_labels] like the logits " +
                                    shape_text(logits) + ", they are " + shape_text(labels),
                                kSource);
    if (!at::isfinite(logits).all().item<bool>())
      throw rubrika::InputError("validation logits contain NaN or infinity", kSource,
                                "check the model for divergence before calibrating");
    const at::Tensor y = labels.detach().to(at::kCPU).to(at::kDouble);
    if (!at::logical_or(y == 0, y == 1).all().item<bool>())
      throw rubrika::InputError("a label is neither 0 nor 1", kSource,
                                "labels of a multi-label head are 0/1 per label");
  }

  // Fits one label: z [n] logits, y [n] 0/1.
  LabelFit fit_label(const std::vector<double>& z, const std::vector<double>& y) const {
    LabelFit out;
    out.nll_before = rubrika::per_label::mean_bce(z, y, SigmoidMap{});
    out.nll_after = out.nll_before;
    double positives = 0.0;
    for (double v : y) positives += v;
    const double negatives = static_cast<double>(y.size()) - positives;
    if (positives == 0.0 || negatives == 0.0) return out;

    FitSettings settings;
    settings.max_iterations = options_.max_iterations;
    if (options_.method == Method::temperature) {
      settings.fit_intercept = false;
      settings.slope_min = std::exp(-kLogTemperatureBound);
      settings.slope_max = std::exp(kLogTemperatureBound);
      settings.start = SigmoidMap{1.0, 0.0};
    } else {
      // Lin, Lin & Weng's start: a flat map at the (smoothed) base rate.
      settings.start = SigmoidMap{0.0, std::log((positives + 1.0) / (negatives + 1.0))};
    }
    out.fitted = true;
    out.result =
        rubrika::per_label::fit_sigmoid_map(z, rubrika::per_label::smoothed_targets(y), settings);
    // The state stores float32: judge the map it will apply.
    const SigmoidMap stored{static_cast<float>(out.result.map.a),
                            static_cast<float>(out.result.map.b)};
    const double nll = rubrika::per_label::mean_bce(z, y, stored);
    if (std::isfinite(stored.a) && std::isfinite(stored.b) && nll < out.nll_before) {
      out.map = stored;
      out.nll_after = nll;
    } else {
      out.kept_identity = true;
    }
    return out;
  }

  void keep(const std::vector<LabelFit>& fits) {
    std::vector<float> a, b;
    for (const LabelFit& f : fits) {
      a.push_back(static_cast<float>(f.map.a));
      b.push_back(static_cast<float>(f.map.b));
    }
    a_ = at::tensor(a, at::kFloat);
    b_ = at::tensor(b, at::kFloat);
  }

  void warn_about(const std::vector<LabelFit>& fits) const {
    LabelList single(label_names_), at_bound(label_names_), not_converged(label_names_),
        no_gain(label_names_);
    for (size_t j = 0; j < fits.size(); ++j) {
      const LabelFit& f = fits[j];
      if (!f.fitted) single.add(j);
      if (f.fitted && f.result.at_bound) {
        std::ostringstream t;
        t << "T = " << 1.0 / f.result.map.a;
        at_bound.add(j, t.str());
      }
      if (f.fitted && !f.result.converged) not_converged.add(j);
      if (f.kept_identity) no_gain.add(j);
    }
    if (single.count())
      rubrika::log_warn(
          kSource,
          "only positives or only negatives on validation, left uncalibrated: " + single.text());
    if (at_bound.count())
      rubrika::log_warn(
          kSource,
          "BCE-optimal temperature on or past the search bound |log T| = 6: " + at_bound.text() +
              "; their validation logits are separable (T -> 0) or uninformative "
              "(T -> infinity); method = \"platt\" fits both");
    if (not_converged.count())
      rubrika::log_warn(
          kSource, "no convergence in max_iterations = " + std::to_string(options_.max_iterations) +
                       ": " + not_converged.text());
    if (no_gain.count())
      rubrika::log_warn(kSource, "fitting does not lower the validation BCE, left uncalibrated: " +
                                     no_gain.text());
  }

  static std::map<std::string, double> figures(const std::vector<LabelFit>& fits) {
    std::map<std::string, double> out;
    double before = 0.0, after = 0.0, iterations = 0.0;
    double converged = 1.0, at_bound = 0.0, single = 0.0, kept = 0.0;
    for (size_t j = 0; j < fits.size(); ++j) {
      const LabelFit& f = fits[j];
      before += f.nll_before;  // every label has n cells: the mean of means is the cell mean
      after += f.nll_after;
      out["a." + std::to_string(j)] = f.map.a;
      out["b." + std::to_string(j)] = f.map.b;
      iterations = std::max(iterations, static_cast<double>(f.result.iterations));
      if (f.fitted && !f.result.converged) converged = 0.0;
      if (f.fitted && f.result.at_bound) at_bound += 1.0;
      if (!f.fitted) single += 1.0;
      if (f.kept_identity) kept += 1.0;
    }
    const double num_labels = static_cast<double>(fits.size());
    out["nll_before"] = before / num_labels;
    out["nll_after"] = after / num_labels;
    out["labels"] = num_labels;
    out["iterations"] = iterations;
    out["converged"] = converged;
    out["labels_at_bound"] = at_bound;
    out["labels_single_class"] = single;
    out["labels_kept_identity"] = kept;
    return out;
  }

  // state[key] as a finite float32 [L] vector with L >= 1, or an ArtifactError naming the key.
  static at::Tensor state_vector(const rubrika::TensorMap& state, const std::string& key) {
    const auto it = state.find(key);
    if (it == state.end())
      throw rubrika::ArtifactError("the calibrator state has no '" + key + "'", kSource,
                                   "re-run the calibrate stage (rubrika train)");
    const at::Tensor& t = it->second;
    if (!t.defined() || t.dim() != 1 || t.size(0) == 0 || !t.is_floating_point())
      throw rubrika::ArtifactError(
          "state '" + key + "' must be a floating [num_labels] vector, it is " + shape_text(t),
          kSource, "re-run the calibrate stage (rubrika train)");
    const at::Tensor v = t.detach().to(at::kCPU).to(at::kFloat).contiguous();
    if (!at::isfinite(v).all().item<bool>())
      throw rubrika::ArtifactError("state '" + key + "' holds NaN or infinity", kSource,
                                   "re-run the calibrate stage (rubrika train)");
    return v;
  }

  Options options_;
  std::vector<std::string> label_names_;  // for messages; empty when the host gave none
  at::Tensor a_;                          // [L] float32 slopes; undefined until fitted or loaded
  at::Tensor b_;                          // [L] float32 intercepts
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Calibrator, "per_label", PerLabelCalibrator)
