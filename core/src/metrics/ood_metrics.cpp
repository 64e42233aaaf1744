// OOD metrics; definitions and the positive-class convention in rubrika/metrics/ood_metrics.hpp.
#include <rubrika/metrics/ood_metrics.hpp>

#include <rubrika/error.hpp>

#include "metric_checks.hpp"

#include <algorithm>
#include <utility>

namespace rubrika::metrics {
namespace {

void check_both(const std::vector<double>& in_scores, const std::vector<double>& ood_scores,
                const char* metric) {
  detail::check_scores(in_scores, "in-domain", metric);
  detail::check_scores(ood_scores, "out-of-domain", metric);
}

// Average precision of `positives` against `negatives`, ranking by key, highest first;
// texts sharing a key enter together (one point of the precision-recall curve).
double average_precision(const std::vector<double>& positives,
                         const std::vector<double>& negatives) {
  std::vector<std::pair<double, bool>> ranked;
  ranked.reserve(positives.size() + negatives.size());
  for (double key : positives) ranked.emplace_back(key, true);
  for (double key : negatives) ranked.emplace_back(key, false);
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  const double total_positives = static_cast<double>(positives.size());
  double tp = 0.0, fp = 0.0, previous_recall = 0.0, ap = 0.0;
  for (size_t i = 0; i < ranked.size();) {
    size_t j = i;
    for (; j < ranked.size() && ranked[j].first == ranked[i].first; ++j)
      (ranked[j].second ? tp : fp) += 1.0;
    const double recall = tp / total_positives;
    ap += (recall - previous_recall) * (tp / (tp + fp));
    previous_recall = recall;
    i = j;
  }
  return ap;
}

std::vector<double> negated(const std::vector<double>& scores) {
  std::vector<double> out(scores.size());
  std::transform(scores.begin(), scores.end(), out.begin(), [](double s) { return -s; });
  return out;
}

}  // namespace

double auroc(const std::vector<double>& in_scores, const std::vector<double>& ood_scores) {
  check_both(in_scores, ood_scores, "auroc");
  std::vector<std::pair<double, bool>> all;  // (score, is_ood)
  all.reserve(in_scores.size() + ood_scores.size());
  for (double s : in_scores) all.emplace_back(s, false);
  for (double s : ood_scores) all.emplace_back(s, true);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // Sum of the (1-based, tie-averaged) ranks of the OOD scores.
  double ood_rank_sum = 0.0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k)
      if (all[k].second) ood_rank_sum += average_rank;
    i = j;
  }
  const double n_in = static_cast<double>(in_scores.size());
  const double n_ood = static_cast<double>(ood_scores.size());
  const double u = ood_rank_sum - n_ood * (n_ood + 1.0) / 2.0;
  return u / (n_in * n_ood);
}

double aupr_in(const std::vector<double>& in_scores, const std::vector<double>& ood_scores) {
  check_both(in_scores, ood_scores, "aupr_in");
  return average_precision(negated(in_scores), negated(ood_scores));
}

double aupr_out(const std::vector<double>& in_scores, const std::vector<double>& ood_scores) {
  check_both(in_scores, ood_scores, "aupr_out");
  return average_precision(ood_scores, in_scores);
}

double fpr_at_tpr(const std::vector<double>& in_scores, const std::vector<double>& ood_scores,
                  double tpr_level) {
  check_both(in_scores, ood_scores, "fpr_at_tpr");
  if (!(tpr_level > 0.0 && tpr_level <= 1.0))
    throw InputError("tpr_level " + std::to_string(tpr_level) + " is outside (0, 1]", "fpr_at_tpr");
  std::vector<double> in_sorted = in_scores, ood_sorted = ood_scores;
  std::sort(in_sorted.begin(), in_sorted.end());
  std::sort(ood_sorted.begin(), ood_sorted.end());
  const double n_in = static_cast<double>(in_sorted.size());
  // The needed count of accepted in-domain texts, with slack for 0.95 * n rounding up.
  const double needed = tpr_level * n_in - 1e-9;
  size_t accepted_in = 0, accepted_ood = 0;
  // Thresholds worth trying are the in-domain scores: TPR only rises there.
  for (size_t i = 0; i < in_sorted.size();) {
    const double t = in_sorted[i];
    while (accepted_in < in_sorted.size() && in_sorted[accepted_in] <= t) ++accepted_in;
    while (accepted_ood < ood_sorted.size() && ood_sorted[accepted_ood] <= t) ++accepted_ood;
    if (static_cast<double>(accepted_in) >= needed)
      return static_cast<double>(accepted_ood) / static_cast<double>(ood_sorted.size());
    i = accepted_in;
  }
  return static_cast<double>(accepted_ood) / static_cast<double>(ood_sorted.size());
}

OodRates rates_at_threshold(const std::vector<double>& in_scores,
                            const std::vector<double>& ood_scores, double threshold) {
  check_both(in_scores, ood_scores, "rates_at_threshold");
  std::vector<bool> in_flagged(in_scores.size()), ood_flagged(ood_scores.size());
  for (size_t i = 0; i < in_scores.size(); ++i) in_flagged[i] = in_scores[i] > threshold;
  for (size_t i = 0; i < ood_scores.size(); ++i) ood_flagged[i] = ood_scores[i] > threshold;
  return rates_from_flags(in_flagged, ood_flagged);
}

OodRates rates_from_flags(const std::vector<bool>& in_flagged,
                          const std::vector<bool>& ood_flagged) {
  if (in_flagged.empty() || ood_flagged.empty())
    throw InputError("no in-domain or no out-of-domain flags", "rates_from_flags",
                     "pass at least one text of each");
  OodRates rates;
  rates.in_domain_acceptance =
      static_cast<double>(std::count(in_flagged.begin(), in_flagged.end(), false)) /
      static_cast<double>(in_flagged.size());
  rates.ood_rejection =
      static_cast<double>(std::count(ood_flagged.begin(), ood_flagged.end(), true)) /
      static_cast<double>(ood_flagged.size());
  return rates;
}

OodReport ood_report(const std::vector<double>& in_scores, const std::vector<double>& ood_scores) {
  OodReport report;
  report.auroc = auroc(in_scores, ood_scores);
  report.aupr_in = aupr_in(in_scores, ood_scores);
  report.aupr_out = aupr_out(in_scores, ood_scores);
  report.fpr_at_95_tpr = fpr_at_tpr(in_scores, ood_scores, 0.95);
  return report;
}

}  // namespace rubrika::metrics
