// Out-of-domain detection metrics from the scores of in-domain and OOD texts.
//
// Convention: a score is "higher = more out-of-domain" (what every OodScorer returns) and
// a text is flagged when its score is above the threshold. For the ROC-style figures the
// in-domain texts are the positive class, accepted when score <= t, as in the OOD
// literature's "FPR at 95% TPR" (Hendrycks & Gimpel; Liang et al.):
//   TPR(t) = share of in-domain texts with score <= t (accepted, as they should be),
//   FPR(t) = share of OOD texts with score <= t (accepted by mistake).
// Ties are handled exactly: all texts with one score move across a threshold together.
// Empty score lists and non-finite scores are rubrika::InputError.
#pragma once

#include <cstdint>
#include <vector>

namespace rubrika::metrics {

// Area under the ROC curve = P(OOD score > in-domain score) + 0.5 * P(equal): the
// Mann-Whitney statistic with average ranks for ties, the trapezoid area of the ROC curve.
// 1 = perfect separation, 0.5 = chance. Symmetric: the same whichever class is positive.
double auroc(const std::vector<double>& in_scores, const std::vector<double>& ood_scores);

// Average precision as scikit-learn's average_precision_score computes it:
// sum over distinct thresholds of (R_k - R_{k-1}) * P_k, no interpolation.
// AUPR-in: in-domain positive, ranked by -score (lowest score first).
double aupr_in(const std::vector<double>& in_scores, const std::vector<double>& ood_scores);
// AUPR-out: OOD positive, ranked by score (highest first).
double aupr_out(const std::vector<double>& in_scores, const std::vector<double>& ood_scores);

// FPR at the first threshold t (scanning the distinct scores upwards) where TPR(t) >= 0.95,
// i.e. the share of OOD texts accepted when 95% of in-domain texts are. No interpolation.
// `tpr_level` in (0, 1].
double fpr_at_tpr(const std::vector<double>& in_scores, const std::vector<double>& ood_scores,
                  double tpr_level = 0.95);

// At an operating point: how many in-domain texts pass and how many OOD texts are stopped.
struct OodRates {
  double in_domain_acceptance = 0.0;  // share of in-domain texts not flagged
  double ood_rejection = 0.0;         // share of OOD texts flagged
};

// Flag = score > threshold.
OodRates rates_at_threshold(const std::vector<double>& in_scores,
                            const std::vector<double>& ood_scores, double threshold);
// From flags already decided (e.g. by a scorer with a confidence gate); true = flagged.
OodRates rates_from_flags(const std::vector<bool>& in_flagged,
                          const std::vector<bool>& ood_flagged);

// The threshold-free figures in one call.
struct OodReport {
  double auroc = 0.0;
  double aupr_in = 0.0;
  double aupr_out = 0.0;
  double fpr_at_95_tpr = 0.0;
};
OodReport ood_report(const std::vector<double>& in_scores, const std::vector<double>& ood_scores);

}  // namespace rubrika::metrics
