// The threshold rule every OOD scorer shares (mahalanobis, msp, energy): where the flag
// threshold comes from and when a text is flagged.
//
// From the in-domain validation scores s_1..s_n (higher = more out-of-domain), rule "tpr"
// (the default) keeps a stated share of in-domain texts:
//   threshold = the target_tpr-quantile of the scores (linear interpolation, numpy's
//               default), so about target_tpr (0.95) of validation texts score at or below
//               it: the operating point FPR@95 reports.
// The other rules, kept as options:
//   Q    = the q-quantile of the scores,
//   Z    = mean + z * std (population std, ddof = 0),
//   base = Q (rule "quantile"), Z (rule "zscore") or max(Q, Z) (rule "max": the old
//          notebook's rule, which on real data put thresholds past every score),
//   threshold = base + (alpha - 1) * |base|.
// For the usual positive scores the last line is alpha * base; written this way alpha > 1
// always moves the threshold outwards (more lenient), also for negative scores (energy).
//
// A text is flagged out-of-domain when
//   score > threshold  AND  max calibrated probability < gate.
// The confidence gate keeps confident predictions from being flagged; gate >= 1 disables
// it (flag on the score alone), gate = 0 never flags.
#pragma once

#include <rubrika/ood_scorer.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/tensor.hpp>
#include <rubrika/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rubrika::ood {

// Which base the threshold starts from.
enum class ThresholdRule { tpr, quantile, zscore, max };
inline constexpr EnumName<ThresholdRule> kThresholdRuleNames[] = {
    {"tpr", ThresholdRule::tpr},
    {"quantile", ThresholdRule::quantile},
    {"zscore", ThresholdRule::zscore},
    {"max", ThresholdRule::max}};

struct ThresholdOptions {
  ThresholdRule rule = ThresholdRule::tpr;  // tpr | quantile | zscore | max
  double target_tpr = 0.95;  // rule tpr: share of in-domain validation texts kept, in (0, 1]
  double quantile = 0.995;   // q of the quantile base, in (0, 1]
  double z = 4.0;            // standard deviations above the mean for the z-score base
  double alpha = 1.10;       // margin: threshold = base + (alpha - 1) * |base|, alpha >= 1
  double gate = 0.75;        // flag only when max calibrated probability < gate; >= 1 disables

  // Reads `rule`, `target_tpr` (rule tpr only), `quantile`, `z`, `alpha` (the other rules
  // only) and `gate` from a scorer's table; a key of another rule is a RecipeError at its
  // position. The caller reads its own keys and calls in.finish().
  static ThresholdOptions read(OptionsReader& in);
  // A scorer table ([ood], or `section`) that holds these keys and nothing else.
  static ThresholdOptions from_toml(const toml::table& table, const std::string& section = "ood");
};

// The chosen threshold and the validation statistics behind it.
struct ThresholdFit {
  double threshold = 0.0;
  double quantile_score = 0.0;  // Q
  double mean = 0.0;            // mean of the validation scores
  double std = 0.0;             // population standard deviation
  double zscore_score = 0.0;    // Z = mean + z * std
  int64_t count = 0;            // validation scores used
  double accepted = 0.0;        // share of validation scores <= threshold (the TPR reached)
};

// Fits the threshold on in-domain validation scores. An empty list or a non-finite score
// is a rubrika::InputError naming `scorer` (e.g. "ood/mahalanobis").
ThresholdFit fit_threshold(const std::vector<double>& validation_scores,
                           const ThresholdOptions& options, const std::string& scorer);

// The same from a [n] tensor of scores.
ThresholdFit fit_threshold(const torch::Tensor& validation_scores, const ThresholdOptions& options,
                           const std::string& scorer);

// [batch] bool: score > threshold and (gate >= 1 or max_probability < gate).
// scores [batch]; max_probability [batch], may be undefined when gate >= 1.
torch::Tensor flag_scores(const torch::Tensor& scores, const torch::Tensor& max_probability,
                          double threshold, double gate);

// A scorer's whole flag(): flag_scores() with the max probability of `inputs` (only read
// when the gate is on). ArtifactError naming `scorer` when `fit` is null (no threshold yet).
torch::Tensor flag_texts(const OodInputs& inputs, const torch::Tensor& scores,
                         const ThresholdFit* fit, const ThresholdOptions& options,
                         const std::string& scorer);

// [batch] max probability of the calibrated probabilities in `inputs`, or of
// softmax(logits) when no calibrated probabilities are given. InputError when neither is.
torch::Tensor max_probability(const OodInputs& inputs, const std::string& scorer);

// fit_threshold's results as report figures: "threshold", "validation_quantile",
// "validation_mean", "validation_std", "validation_zscore", "validation_count",
// "validation_accepted".
std::map<std::string, double> threshold_figures(const ThresholdFit& fit);

// Stores / restores a fit in a scorer's state under the same names as threshold_figures
// (0-dim float64 tensors). Reading a state without "threshold" is a rubrika::ArtifactError.
void put_threshold_state(TensorMap& state, const ThresholdFit& fit);
ThresholdFit get_threshold_state(const TensorMap& state, const std::string& scorer);

// A scorer's threshold: its options and, once fitted or loaded, the fit. It is the
// fit_thresholds(), flag() and state parts of every scorer, in one place.
class Threshold {
 public:
  // `scorer` names the scorer in errors, e.g. "ood/msp".
  Threshold(ThresholdOptions options, std::string scorer);

  const ThresholdOptions& options() const { return options_; }
  bool fitted() const { return fit_.has_value(); }
  void reset() { fit_.reset(); }

  // Fits on in-domain validation scores [n]; returns threshold_figures() of the fit.
  std::map<std::string, double> fit(const torch::Tensor& validation_scores);
  // flag_texts() with this threshold (ArtifactError before fit() or load()).
  torch::Tensor flag(const OodInputs& inputs, const torch::Tensor& scores) const;
  // Adds the fit to `state` (nothing before fit() or load()).
  void save(TensorMap& state) const;
  // Reads the fit from `state`: ArtifactError when it has no "threshold".
  void load(const TensorMap& state);

 private:
  ThresholdOptions options_;
  std::string scorer_;
  std::optional<ThresholdFit> fit_;
};

// Base of the scorers that learn nothing but their threshold (msp, energy): fit() does
// nothing, and fit_thresholds(), flag(), state() and load_state() are the shared rule's.
// A subclass gives score() alone.
class ThresholdOnlyScorer : public OodScorer {
 public:
  void fit(const OodInputs& train, const torch::Tensor& labels) override;
  std::map<std::string, double> fit_thresholds(const OodInputs& validation) override;
  torch::Tensor flag(const OodInputs& inputs, const torch::Tensor& scores) const override;
  TensorMap state() const override;
  void load_state(const TensorMap& state) override;

 protected:
  ThresholdOnlyScorer(ThresholdOptions options, std::string scorer);

 private:
  Threshold threshold_;
};

}  // namespace rubrika::ood
