// Multi-label metrics; definitions in rubrika/metrics/multilabel_metrics.hpp.
//
// Ranking figures reuse the OOD metrics with the label's negatives as the "in-domain" list
// and its positives as the "out-of-domain" one: auroc(in, ood) is P(ood > in) + 0.5 P(equal)
// and aupr_out ranks the OOD list highest first, which is exactly roc_auc / average_precision
// with the positives as the positive class.
#include <rubrika/metrics/multilabel_metrics.hpp>

#include <rubrika/error.hpp>
#include <rubrika/metrics/ood_metrics.hpp>

#include "metric_checks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace rubrika::metrics {
namespace {

constexpr double kMinProbability = 1e-15;  // as scikit-learn's log_loss clips
// A target such as 0.9 should be met by 9 of 10 even when the caller computed it as 1 - 0.1.
constexpr double kTargetSlack = 1e-12;

double ratio(int64_t numerator, int64_t denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

// Throws InputError unless `scores` and `truth` are non-empty, equally long and finite.
void check_binary(const std::vector<double>& scores, const std::vector<bool>& truth,
                  const char* metric) {
  if (scores.empty())
    throw InputError("no texts to compute the metric on", metric, "pass at least one text");
  if (scores.size() != truth.size())
    throw InputError("got " + std::to_string(scores.size()) + " scores but " +
                         std::to_string(truth.size()) + " truth values",
                     metric, "pass one truth value per score");
  detail::check_scores(scores, "label", metric);
}

// check_binary, and every score a probability in [0, 1].
void check_binary_probabilities(const std::vector<double>& scores, const std::vector<bool>& truth,
                                const char* metric) {
  check_binary(scores, truth, metric);
  for (size_t i = 0; i < scores.size(); ++i)
    if (scores[i] < 0.0 || scores[i] > 1.0)
      throw InputError("score of row " + std::to_string(i) + " is " + std::to_string(scores[i]) +
                           ", outside [0, 1]",
                       metric, "pass calibrated probabilities");
}

void check_bins(int64_t num_bins, const char* metric) {
  if (num_bins < 1)
    throw InputError("num_bins is " + std::to_string(num_bins), metric, "use at least 1 bin");
}

// Throws InputError unless `rows` is non-empty and rectangular with >= 1 column. Returns the
// number of columns (labels). `name` says which matrix.
size_t check_label_rows(const std::vector<std::vector<bool>>& rows, const char* name,
                        const char* metric) {
  if (rows.empty())
    throw InputError(std::string("no ") + name + " rows", metric, "pass at least one text");
  const size_t labels = rows.front().size();
  if (labels == 0)
    throw InputError(std::string(name) + " rows have no labels", metric, "pass >= 1 label");
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].size() != labels)
      throw InputError(std::string(name) + " row " + std::to_string(i) + " has " +
                           std::to_string(rows[i].size()) + " labels, row 0 has " +
                           std::to_string(labels),
                       metric, "every row needs one value per label");
  return labels;
}

struct ClassSplit {
  std::vector<double> negatives, positives;
};

ClassSplit split_by_class(const std::vector<double>& scores, const std::vector<bool>& truth) {
  ClassSplit split;
  for (size_t i = 0; i < scores.size(); ++i)
    (truth[i] ? split.positives : split.negatives).push_back(scores[i]);
  return split;
}

// One distinct score, highest first, and the counts once every text scoring >= it is on.
struct Step {
  double score = 0.0;
  int64_t tp = 0, fp = 0;
};

// The steps of the descending sweep: sorts once, so every caller stays O(n log n).
std::vector<Step> descending_steps(const std::vector<double>& scores,
                                   const std::vector<bool>& truth) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<Step> steps;
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < order.size();) {
    const double score = scores[order[i]];
    for (; i < order.size() && scores[order[i]] == score; ++i) (truth[order[i]] ? tp : fp) += 1;
    steps.push_back({score, tp, fp});
  }
  return steps;
}

// A threshold worth trying and the confusion it gives.
struct Candidate {
  double threshold = 0.0;
  BinaryCounts counts;
};

BinaryCounts counts_of(int64_t tp, int64_t fp, int64_t positives, int64_t negatives) {
  BinaryCounts c;
  c.tp = tp;
  c.fp = fp;
  c.fn = positives - tp;
  c.tn = negatives - fp;
  return c;
}

// A value strictly between `low` and `high` (their midpoint), so that `score >= it` holds for
// `high` and not for `low`; when the two are adjacent doubles and the midpoint rounds onto
// `low`, `high` itself keeps that property.
double between(double low, double high) {
  const double mid = low + (high - low) / 2.0;
  return mid > low && mid <= high ? mid : high;
}

// Thresholds 1, the midpoints between consecutive distinct scores, and 0, highest first.
std::vector<Candidate> candidate_thresholds(const std::vector<Step>& steps, int64_t positives,
                                            int64_t negatives) {
  std::vector<Candidate> candidates;
  candidates.reserve(steps.size() + 1);
  // At 1 only texts scoring exactly 1 are on.
  const bool top_is_one = steps.front().score >= 1.0;
  candidates.push_back(
      {1.0, top_is_one ? counts_of(steps.front().tp, steps.front().fp, positives, negatives)
                       : counts_of(0, 0, positives, negatives)});
  for (size_t k = 0; k + 1 < steps.size(); ++k)
    candidates.push_back({between(steps[k + 1].score, steps[k].score),
                          counts_of(steps[k].tp, steps[k].fp, positives, negatives)});
  candidates.push_back({0.0, counts_of(steps.back().tp, steps.back().fp, positives, negatives)});
  return candidates;
}

// Index of the best F1; on ties the first, i.e. the higher threshold.
size_t best_f1(const std::vector<Candidate>& candidates) {
  size_t best = 0;
  for (size_t i = 1; i < candidates.size(); ++i)
    if (candidates[i].counts.f1() > candidates[best].counts.f1()) best = i;
  return best;
}

// The lowest threshold with precision >= target; else the highest precision (its lowest
// threshold, for the most recall), with met = false.
size_t precision_at(const std::vector<Candidate>& candidates, double target, bool& met) {
  size_t chosen = 0;
  met = false;
  for (size_t i = 0; i < candidates.size(); ++i)
    if (candidates[i].counts.precision() >= target - kTargetSlack) {
      chosen = i;
      met = true;
    }
  if (met) return chosen;
  for (size_t i = 1; i < candidates.size(); ++i)
    if (candidates[i].counts.precision() >= candidates[chosen].counts.precision()) chosen = i;
  return chosen;
}

// The highest threshold with recall >= target; else the highest recall (its highest
// threshold), with met = false.
size_t recall_at(const std::vector<Candidate>& candidates, double target, bool& met) {
  met = false;
  for (size_t i = 0; i < candidates.size(); ++i)
    if (candidates[i].counts.recall() >= target - kTargetSlack) {
      met = true;
      return i;
    }
  size_t chosen = 0;
  for (size_t i = 1; i < candidates.size(); ++i)
    if (candidates[i].counts.recall() > candidates[chosen].counts.recall()) chosen = i;
  return chosen;
}

// Keeps at most `max_points` of `curve`, evenly spread over its indices, both ends included.
RocCurve thinned(const RocCurve& curve, size_t max_points) {
  const size_t n = curve.fpr.size();
  if (n <= max_points) return curve;
  RocCurve out;
  for (size_t k = 0; k < max_points; ++k) {
    // round(k (n - 1) / (max_points - 1)): strictly increasing because n > max_points.
    const size_t i = (k * (n - 1) + (max_points - 1) / 2) / (max_points - 1);
    out.fpr.push_back(curve.fpr[i]);
    out.tpr.push_back(curve.tpr[i]);
    out.thresholds.push_back(curve.thresholds[i]);
  }
  return out;
}

// The histogram bin of a score: [b / B, (b + 1) / B), 1 in the last bin.
size_t histogram_bin_of(double score, const std::vector<double>& edges) {
  const int64_t num_bins = static_cast<int64_t>(edges.size()) - 1;
  int64_t index = static_cast<int64_t>(std::floor(score * static_cast<double>(num_bins)));
  index = std::clamp<int64_t>(index, 0, num_bins - 1);
  while (index > 0 && score < edges[static_cast<size_t>(index)]) --index;
  while (index < num_bins - 1 && score >= edges[static_cast<size_t>(index + 1)]) ++index;
  return static_cast<size_t>(index);
}

}  // namespace

double BinaryCounts::precision() const { return ratio(tp, tp + fp); }
double BinaryCounts::recall() const { return ratio(tp, tp + fn); }
double BinaryCounts::f1() const { return ratio(2 * tp, 2 * tp + fp + fn); }

BinaryCounts binary_counts(const std::vector<double>& scores, const std::vector<bool>& truth,
                           double threshold) {
  check_binary(scores, truth, "binary_counts");
  if (std::isnan(threshold))
    throw InputError("threshold is NaN", "binary_counts", "pass a number in [0, 1]");
  BinaryCounts c;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool on = scores[i] >= threshold;
    if (truth[i])
      (on ? c.tp : c.fn) += 1;
    else
      (on ? c.fp : c.tn) += 1;
  }
  return c;
}

std::optional<double> roc_auc(const std::vector<double>& scores, const std::vector<bool>& truth) {
  check_binary(scores, truth, "roc_auc");
  const ClassSplit split = split_by_class(scores, truth);
  if (split.positives.empty() || split.negatives.empty()) return std::nullopt;
  return auroc(split.negatives, split.positives);
}

std::optional<double> average_precision(const std::vector<double>& scores,
                                        const std::vector<bool>& truth) {
  check_binary(scores, truth, "average_precision");
  const ClassSplit split = split_by_class(scores, truth);
  // Only positives would give a trivial 1; the header treats it as undefined like roc_auc.
  if (split.positives.empty() || split.negatives.empty()) return std::nullopt;
  return aupr_out(split.negatives, split.positives);
}

RocCurve roc_curve(const std::vector<double>& scores, const std::vector<bool>& truth,
                   size_t max_points) {
  check_binary(scores, truth, "roc_curve");
  if (max_points < 2)
    throw InputError("max_points is " + std::to_string(max_points), "roc_curve",
                     "keep at least the two ends, (0, 0) and (1, 1)");
  const auto positives = static_cast<int64_t>(std::count(truth.begin(), truth.end(), true));
  const auto negatives = static_cast<int64_t>(truth.size()) - positives;
  if (positives == 0 || negatives == 0) return {};
  RocCurve curve;
  curve.fpr.push_back(0.0);
  curve.tpr.push_back(0.0);
  curve.thresholds.push_back(std::numeric_limits<double>::infinity());
  for (const Step& step : descending_steps(scores, truth)) {
    curve.fpr.push_back(ratio(step.fp, negatives));
    curve.tpr.push_back(ratio(step.tp, positives));
    curve.thresholds.push_back(step.score);
  }
  return thinned(curve, max_points);
}

ChosenThreshold choose_threshold(const std::vector<double>& scores, const std::vector<bool>& truth,
                                 ThresholdStrategy strategy, double target) {
  check_binary_probabilities(scores, truth, "choose_threshold");
  if (!(target >= 0.0 && target <= 1.0))
    throw InputError("target is " + std::to_string(target) + ", outside [0, 1]", "choose_threshold",
                     "[decision] threshold_target must lie in [0, 1]");
  ChosenThreshold chosen;
  if (strategy == ThresholdStrategy::fixed) {
    chosen.threshold = target;
    chosen.counts = binary_counts(scores, truth, target);
    return chosen;
  }
  const auto positives = static_cast<int64_t>(std::count(truth.begin(), truth.end(), true));
  const auto negatives = static_cast<int64_t>(truth.size()) - positives;
  if (positives == 0) {  // nothing to tune on: the neutral default, flagged
    chosen.threshold = 0.5;
    chosen.counts = binary_counts(scores, truth, 0.5);
    chosen.target_met = false;
    return chosen;
  }
  const std::vector<Candidate> candidates =
      candidate_thresholds(descending_steps(scores, truth), positives, negatives);
  size_t index = 0;
  bool met = true;
  switch (strategy) {
    case ThresholdStrategy::f1:
      index = best_f1(candidates);
      break;
    case ThresholdStrategy::precision_at:
      index = precision_at(candidates, target, met);
      break;
    case ThresholdStrategy::recall_at:
      index = recall_at(candidates, target, met);
      break;
    case ThresholdStrategy::fixed:
      break;  // handled above
  }
  chosen.threshold = candidates[index].threshold;
  chosen.counts = candidates[index].counts;
  chosen.target_met = met;
  return chosen;
}

BinaryCalibration binary_calibration(const std::vector<double>& scores,
                                     const std::vector<bool>& truth, int64_t num_bins) {
  check_bins(num_bins, "binary_calibration");
  check_binary_probabilities(scores, truth, "binary_calibration");
  BinaryCalibration out;
  out.bins.resize(static_cast<size_t>(num_bins));
  std::vector<double> score_sum(out.bins.size(), 0.0);
  std::vector<int64_t> positives(out.bins.size(), 0);
  double nll = 0.0, brier = 0.0;
  for (size_t i = 0; i < scores.size(); ++i) {
    const double s = scores[i];
    const double y = truth[i] ? 1.0 : 0.0;
    const size_t b = static_cast<size_t>(detail::reliability_bin(s, num_bins));
    ++out.bins[b].count;
    score_sum[b] += s;
    positives[b] += truth[i];
    const double clipped = std::clamp(s, kMinProbability, 1.0 - kMinProbability);
    nll -= truth[i] ? std::log(clipped) : std::log(1.0 - clipped);
    brier += (s - y) * (s - y);
  }
  const double n = static_cast<double>(scores.size());
  for (size_t b = 0; b < out.bins.size(); ++b) {
    ReliabilityBin& bin = out.bins[b];
    bin.lower = static_cast<double>(b) / static_cast<double>(num_bins);
    bin.upper = static_cast<double>(b + 1) / static_cast<double>(num_bins);
    if (bin.count == 0) continue;
    const double count = static_cast<double>(bin.count);
    bin.mean_confidence = score_sum[b] / count;
    bin.accuracy = static_cast<double>(positives[b]) / count;
    out.ece += count / n * std::abs(bin.accuracy - bin.mean_confidence);
  }
  out.nll = nll / n;
  out.brier = brier / n;
  return out;
}

ScoreHistogram score_histogram(const std::vector<double>& scores, const std::vector<bool>& truth,
                               int64_t num_bins) {
  check_bins(num_bins, "score_histogram");
  check_binary_probabilities(scores, truth, "score_histogram");
  ScoreHistogram h;
  for (int64_t b = 0; b <= num_bins; ++b)
    h.edges.push_back(static_cast<double>(b) / static_cast<double>(num_bins));
  h.positive.assign(static_cast<size_t>(num_bins), 0);
  h.negative.assign(static_cast<size_t>(num_bins), 0);
  for (size_t i = 0; i < scores.size(); ++i) {
    std::vector<int64_t>& counts = truth[i] ? h.positive : h.negative;
    ++counts[histogram_bin_of(scores[i], h.edges)];
  }
  return h;
}

LabelSetFigures label_set_figures(const std::vector<std::vector<bool>>& predicted,
                                  const std::vector<std::vector<bool>>& truth) {
  const char* metric = "label_set_figures";
  const size_t labels = check_label_rows(predicted, "predicted", metric);
  check_label_rows(truth, "truth", metric);
  if (predicted.size() != truth.size())
    throw InputError("got " + std::to_string(predicted.size()) + " predicted rows but " +
                         std::to_string(truth.size()) + " truth rows",
                     metric, "pass one truth row per predicted row");
  if (truth.front().size() != labels)
    throw InputError("predicted rows have " + std::to_string(labels) + " labels, truth rows " +
                         std::to_string(truth.front().size()),
                     metric, "both need one column per label");
  std::vector<BinaryCounts> per_label(labels);
  int64_t exact = 0, wrong_cells = 0, predicted_on = 0, true_on = 0;
  LabelSetFigures f;
  for (size_t i = 0; i < truth.size(); ++i) {
    int64_t row_wrong = 0, row_predicted = 0, row_true = 0;
    for (size_t j = 0; j < labels; ++j) {
      const bool p = predicted[i][j], t = truth[i][j];
      BinaryCounts& c = per_label[j];
      if (t)
        (p ? c.tp : c.fn) += 1;
      else
        (p ? c.fp : c.tn) += 1;
      row_wrong += p != t;
      row_predicted += p;
      row_true += t;
    }
    exact += row_wrong == 0;
    wrong_cells += row_wrong;
    predicted_on += row_predicted;
    true_on += row_true;
    f.no_label_predicted += row_predicted == 0;
    f.no_label_true += row_true == 0;
  }
  BinaryCounts total;
  double f1_sum = 0.0;
  for (const BinaryCounts& c : per_label) {
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
    f1_sum += c.f1();
  }
  const auto texts = static_cast<int64_t>(truth.size());
  f.micro_f1 = total.f1();
  f.macro_f1 = f1_sum / static_cast<double>(labels);
  f.subset_accuracy = ratio(exact, texts);
  f.hamming_loss = ratio(wrong_cells, texts * static_cast<int64_t>(labels));
  f.predicted_cardinality = ratio(predicted_on, texts);
  f.true_cardinality = ratio(true_on, texts);
  return f;
}

std::vector<std::vector<int64_t>> co_occurrence(const std::vector<std::vector<bool>>& rows) {
  const size_t labels = check_label_rows(rows, "label", "co_occurrence");
  std::vector<std::vector<int64_t>> counts(labels, std::vector<int64_t>(labels, 0));
  std::vector<size_t> on;
  for (const auto& row : rows) {
    on.clear();
    for (size_t j = 0; j < labels; ++j)
      if (row[j]) on.push_back(j);
    for (size_t a : on)
      for (size_t b : on) ++counts[a][b];
  }
  return counts;
}

}  // namespace rubrika::metrics
