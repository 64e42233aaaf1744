// The shared OOD threshold rule; see rubrika/ood/threshold.hpp for the formulas.
#include <rubrika/ood/threshold.hpp>

#include <rubrika/error.hpp>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace rubrika::ood {
namespace {

// numpy.quantile(sorted, q) with the default linear interpolation.
double linear_quantile(const std::vector<double>& sorted, double q) {
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

// Share of `sorted` scores at or below `threshold` (not flagged by the score alone).
double accepted_share(const std::vector<double>& sorted, double threshold) {
  const auto kept = std::upper_bound(sorted.begin(), sorted.end(), threshold) - sorted.begin();
  return static_cast<double>(kept) / static_cast<double>(sorted.size());
}

double scalar(const TensorMap& state, const std::string& key, const std::string& scorer) {
  auto it = state.find(key);
  if (it == state.end())
    throw ArtifactError("the state has no '" + key + "'", scorer,
                        "fit the scorer's thresholds (rubrika train) before using it");
  if (!it->second.defined() || it->second.numel() != 1)
    throw ArtifactError("state '" + key + "' is not a single number", scorer);
  return it->second.to(at::kCPU).to(at::kDouble).item<double>();
}

}  // namespace

ThresholdOptions ThresholdOptions::read(OptionsReader& in) {
  ThresholdOptions o;
  o.rule = in.get_enum("rule", o.rule, kThresholdRuleNames);
  const std::string rule = enum_name(kThresholdRuleNames, o.rule);
  if (o.rule == ThresholdRule::tpr) {
    o.target_tpr = in.get_double("target_tpr", o.target_tpr, 1e-9, 1.0);
    for (const char* key : {"quantile", "z", "alpha"})
      if (in.has(key))
        in.fail(key,
                "does not apply to rule = \"tpr\" (the threshold keeps target_tpr of the "
                "validation texts)",
                "remove it, or set rule = \"quantile\", \"zscore\" or \"max\"");
  } else {
    if (in.has("target_tpr"))
      in.fail("target_tpr", "applies only to rule = \"tpr\", but rule = \"" + rule + "\"",
              "remove it, or set rule = \"tpr\"");
    o.quantile = in.get_double("quantile", o.quantile, 1e-9, 1.0);
    o.z = in.get_double("z", o.z, 0.0, 1e6);
    o.alpha = in.get_double("alpha", o.alpha, 1.0, 1e6);
  }
  o.gate = in.get_double("gate", o.gate, 0.0, 1.0);
  return o;
}

ThresholdOptions ThresholdOptions::from_toml(const toml::table& table, const std::string& section) {
  OptionsReader in(table, section);
  ThresholdOptions o = read(in);
  in.finish();
  return o;
}

ThresholdFit fit_threshold(const std::vector<double>& validation_scores,
                           const ThresholdOptions& options, const std::string& scorer) {
  if (validation_scores.empty())
    throw InputError("no validation scores to choose the OOD threshold from", scorer,
                     "give the ood stage a non-empty validation split");
  for (size_t i = 0; i < validation_scores.size(); ++i)
    if (!std::isfinite(validation_scores[i]))
      throw InputError("validation score " + std::to_string(i) + " is not finite", scorer,
                       "check the features fed to the scorer for NaN or infinity");
  std::vector<double> sorted = validation_scores;
  std::sort(sorted.begin(), sorted.end());
  ThresholdFit fit;
  fit.count = static_cast<int64_t>(sorted.size());
  fit.quantile_score = linear_quantile(sorted, options.quantile);
  double sum = 0.0;
  for (double s : sorted) sum += s;
  fit.mean = sum / static_cast<double>(sorted.size());
  double squares = 0.0;
  for (double s : sorted) squares += (s - fit.mean) * (s - fit.mean);
  fit.std = std::sqrt(squares / static_cast<double>(sorted.size()));
  fit.zscore_score = fit.mean + options.z * fit.std;
  double base = 0.0;
  switch (options.rule) {
    case ThresholdRule::tpr:
      fit.threshold = linear_quantile(sorted, options.target_tpr);
      fit.accepted = accepted_share(sorted, fit.threshold);
      return fit;
    case ThresholdRule::quantile:
      base = fit.quantile_score;
      break;
    case ThresholdRule::zscore:
      base = fit.zscore_score;
      break;
    case ThresholdRule::max:
      base = std::max(fit.quantile_score, fit.zscore_score);
      break;
  }
  fit.threshold = base + (options.alpha - 1.0) * std::abs(base);
  fit.accepted = accepted_share(sorted, fit.threshold);
  return fit;
}

ThresholdFit fit_threshold(const torch::Tensor& validation_scores, const ThresholdOptions& options,
                           const std::string& scorer) {
  if (!validation_scores.defined() || validation_scores.dim() != 1)
    throw InputError("validation scores must be a [n] tensor", scorer);
  const at::Tensor t = validation_scores.detach().to(at::kCPU).to(at::kDouble).contiguous();
  return fit_threshold(std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel()),
                       options, scorer);
}

torch::Tensor flag_scores(const torch::Tensor& scores, const torch::Tensor& max_probability,
                          double threshold, double gate) {
  at::Tensor flagged = scores > threshold;
  if (gate >= 1.0) return flagged;
  if (!max_probability.defined() || max_probability.sizes() != scores.sizes())
    throw InputError(
        "the confidence gate needs one max probability per score", "ood threshold",
        "pass calibrated probabilities or logits, or set gate = 1 to disable the gate");
  return flagged.logical_and(max_probability.to(scores.device()) < gate);
}

torch::Tensor flag_texts(const OodInputs& inputs, const torch::Tensor& scores,
                         const ThresholdFit* fit, const ThresholdOptions& options,
                         const std::string& scorer) {
  if (fit == nullptr)
    throw ArtifactError("the OOD threshold is not set", scorer,
                        "fit the thresholds on validation data or load a state with 'threshold'");
  const at::Tensor confidence =
      options.gate >= 1.0 ? at::Tensor() : max_probability(inputs, scorer);
  return flag_scores(scores, confidence, fit->threshold, options.gate);
}

torch::Tensor max_probability(const OodInputs& inputs, const std::string& scorer) {
  at::Tensor probabilities = inputs.probabilities;
  if (!probabilities.defined()) {
    if (!inputs.logits.defined())
      throw InputError("neither probabilities nor logits were given", scorer,
                       "fill OodInputs::probabilities (calibrated) or OodInputs::logits");
    probabilities = at::softmax(inputs.logits.to(at::kDouble), 1);
  }
  if (probabilities.dim() != 2)
    throw InputError("probabilities must be [batch, num_labels], got rank " +
                         std::to_string(probabilities.dim()),
                     scorer);
  return std::get<0>(probabilities.max(1));
}

std::map<std::string, double> threshold_figures(const ThresholdFit& fit) {
  return {{"threshold", fit.threshold},
          {"validation_quantile", fit.quantile_score},
          {"validation_mean", fit.mean},
          {"validation_std", fit.std},
          {"validation_zscore", fit.zscore_score},
          {"validation_count", static_cast<double>(fit.count)},
          {"validation_accepted", fit.accepted}};
}

void put_threshold_state(TensorMap& state, const ThresholdFit& fit) {
  for (const auto& [name, value] : threshold_figures(fit))
    state[name] = at::scalar_tensor(value, at::kDouble);
}

ThresholdFit get_threshold_state(const TensorMap& state, const std::string& scorer) {
  ThresholdFit fit;
  fit.threshold = scalar(state, "threshold", scorer);
  if (!std::isfinite(fit.threshold))
    throw ArtifactError("state 'threshold' is not finite", scorer, "refit the OOD thresholds");
  // The statistics are kept for reports; older or hand-made states may lack them.
  auto optional = [&](const char* key) {
    return state.count(key) ? scalar(state, key, scorer) : 0.0;
  };
  fit.quantile_score = optional("validation_quantile");
  fit.mean = optional("validation_mean");
  fit.std = optional("validation_std");
  fit.zscore_score = optional("validation_zscore");
  fit.count = static_cast<int64_t>(optional("validation_count"));
  fit.accepted = optional("validation_accepted");
  return fit;
}

Threshold::Threshold(ThresholdOptions options, std::string scorer)
    : options_(std::move(options)), scorer_(std::move(scorer)) {}

std::map<std::string, double> Threshold::fit(const torch::Tensor& validation_scores) {
  fit_ = fit_threshold(validation_scores, options_, scorer_);
  return threshold_figures(*fit_);
}

torch::Tensor Threshold::flag(const OodInputs& inputs, const torch::Tensor& scores) const {
  return flag_texts(inputs, scores, fit_ ? &*fit_ : nullptr, options_, scorer_);
}

void Threshold::save(TensorMap& state) const {
  if (fit_) put_threshold_state(state, *fit_);
}

void Threshold::load(const TensorMap& state) { fit_ = get_threshold_state(state, scorer_); }

ThresholdOnlyScorer::ThresholdOnlyScorer(ThresholdOptions options, std::string scorer)
    : threshold_(std::move(options), std::move(scorer)) {}

void ThresholdOnlyScorer::fit(const OodInputs&, const torch::Tensor&) {}

std::map<std::string, double> ThresholdOnlyScorer::fit_thresholds(const OodInputs& validation) {
  return threshold_.fit(score(validation));
}

torch::Tensor ThresholdOnlyScorer::flag(const OodInputs& inputs,
                                        const torch::Tensor& scores) const {
  return threshold_.flag(inputs, scores);
}

TensorMap ThresholdOnlyScorer::state() const {
  TensorMap out;
  threshold_.save(out);
  return out;
}

void ThresholdOnlyScorer::load_state(const TensorMap& state) { threshold_.load(state); }

}  // namespace rubrika::ood
