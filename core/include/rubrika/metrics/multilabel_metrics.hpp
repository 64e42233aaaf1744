// Metrics of a multi-label classifier, label by label and over whole label sets.
//
// One label at a time is a binary problem: `scores[i]` is text i's calibrated probability
// of the label and `truth[i]` whether it has it. A label is on when its score is >= the
// label's threshold. Ranking figures (ROC AUC, average precision) use no threshold and follow
// scikit-learn (roc_auc_score, average_precision_score); they are undefined (nullopt) when
// the texts hold only positives or only negatives.
//
// Whole label sets: `predicted[i][j]` / `truth[i][j]` say whether text i has label j.
//
// Invalid input (empty lists, lengths that differ, ragged rows, a non-finite score, a score
// outside [0, 1] where probabilities are expected) is a rubrika::InputError naming the row.
#pragma once

#include <rubrika/enum_names.hpp>
#include <rubrika/metrics/calibration_metrics.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace rubrika::metrics {

// A label's 2×2 confusion at one threshold.
struct BinaryCounts {
  int64_t tp = 0, fp = 0, fn = 0, tn = 0;

  double precision() const;  // tp / (tp + fp), 0 when nothing is on
  double recall() const;     // tp / (tp + fn), 0 without positives
  double f1() const;         // 2tp / (2tp + fp + fn), 0 when all three are 0
};

// On when scores[i] >= threshold.
BinaryCounts binary_counts(const std::vector<double>& scores, const std::vector<bool>& truth,
                           double threshold);

// P(score of a positive > score of a negative) + 0.5 · P(equal); nullopt without both classes.
std::optional<double> roc_auc(const std::vector<double>& scores, const std::vector<bool>& truth);

// Sum over distinct thresholds (descending) of (R_k − R_{k−1}) · P_k, no interpolation;
// nullopt without both classes (scikit-learn gives 1 for positives alone, which says nothing).
std::optional<double> average_precision(const std::vector<double>& scores,
                                        const std::vector<bool>& truth);

// The ROC staircase from (0, 0) to (1, 1), one point per distinct score (descending), thinned
// to at most `max_points` points (the ends are always kept). thresholds[k] is the score at
// which point k is reached (+infinity for the (0, 0) point). Empty without both classes.
struct RocCurve {
  std::vector<double> fpr, tpr, thresholds;
};
RocCurve roc_curve(const std::vector<double>& scores, const std::vector<bool>& truth,
                   size_t max_points = 101);

// How a label's threshold is chosen on validation ([decision] threshold_strategy).
//   f1            the threshold with the best F1 (ties: the higher threshold)
//   precision_at  the lowest threshold whose precision is >= target (most recall at it)
//   recall_at     the highest threshold whose recall is >= target (most precision at it)
//   fixed         the target itself
enum class ThresholdStrategy { f1, precision_at, recall_at, fixed };
inline constexpr EnumName<ThresholdStrategy> kThresholdStrategyNames[] = {
    {"f1", ThresholdStrategy::f1},
    {"precision_at", ThresholdStrategy::precision_at},
    {"recall_at", ThresholdStrategy::recall_at},
    {"fixed", ThresholdStrategy::fixed}};

struct ChosenThreshold {
  double threshold = 0.5;
  BinaryCounts counts;     // on the texts it was chosen on
  bool target_met = true;  // false: the target could not be reached (or no positives), see below
};

// Candidate thresholds are midpoints between consecutive distinct scores (and the ends
// 0 and 1), so a new text scoring between two validation texts is treated as the nearer
// boundary would suggest, not by which side of a validation score it lies on. When no
// threshold meets a precision_at / recall_at target, the one closest to it (highest
// precision / highest recall) is returned with target_met = false. Without positives every
// strategy but `fixed` returns 0.5 with target_met = false. `target` must lie in [0, 1].
ChosenThreshold choose_threshold(const std::vector<double>& scores, const std::vector<bool>& truth,
                                 ThresholdStrategy strategy, double target);

// Calibration of one label's probability: ECE over `num_bins` equal-width bins of the score
// (|share of positives − mean score| weighted by the bin's share of texts), the binary
// cross-entropy (scores clipped to [1e-15, 1 − 1e-15]) and the Brier score. bins[b].accuracy
// is the share of positives in the bin and mean_confidence the mean score.
struct BinaryCalibration {
  double ece = 0.0;
  double nll = 0.0;
  double brier = 0.0;
  std::vector<ReliabilityBin> bins;
};
BinaryCalibration binary_calibration(const std::vector<double>& scores,
                                     const std::vector<bool>& truth, int64_t num_bins = 15);

// Counts of positives and negatives over `num_bins` equal-width bins of [0, 1] (a score of
// exactly 1 in the last bin): the "probability of class 1 vs class 0" chart.
struct ScoreHistogram {
  std::vector<double> edges;  // num_bins + 1 values, 0 … 1
  std::vector<int64_t> positive, negative;
};
ScoreHistogram score_histogram(const std::vector<double>& scores, const std::vector<bool>& truth,
                               int64_t num_bins = 20);

// Figures over whole label sets (scikit-learn's definitions; zero_division = 0).
struct LabelSetFigures {
  double micro_f1 = 0.0;               // tp, fp, fn summed over every (text, label) cell
  double macro_f1 = 0.0;               // mean of the labels' F1, every label counted
  double subset_accuracy = 0.0;        // share of texts whose whole label set is right
  double hamming_loss = 0.0;           // share of (text, label) cells that are wrong
  double predicted_cardinality = 0.0;  // mean number of labels on per text
  double true_cardinality = 0.0;       // mean number of true labels per text
  int64_t no_label_predicted = 0;      // texts with no label on
  int64_t no_label_true = 0;           // texts with no true label
};
LabelSetFigures label_set_figures(const std::vector<std::vector<bool>>& predicted,
                                  const std::vector<std::vector<bool>>& truth);

// [labels][labels] counts: [i][j] = texts that have both label i and label j; the diagonal
// holds the texts with label i.
std::vector<std::vector<int64_t>> co_occurrence(const std::vector<std::vector<bool>>& rows);

}  // namespace rubrika::metrics
