// Calibration metrics of a single-label classifier: does a confidence of 0.8 mean right
// 80% of the time?
//
// Inputs are plain vectors: `probabilities` holds n rows of C class probabilities (each row
// one text, [n][C]); `labels` the n true class ids in [0, C). The predicted class of a row
// is its argmax (the first one on ties) and its confidence the max probability.
// Invalid input (empty, ragged rows, a label out of range, a non-finite probability) is a
// rubrika::InputError naming the row.
#pragma once

#include <cstdint>
#include <vector>

namespace rubrika::metrics {

// One bin of a reliability diagram: texts whose confidence lies in (lower, upper]
// (the first bin also takes confidence 0 exactly).
struct ReliabilityBin {
  double lower = 0.0;            // bin edge, b / num_bins
  double upper = 0.0;            // bin edge, (b + 1) / num_bins
  int64_t count = 0;             // texts in the bin
  double mean_confidence = 0.0;  // mean max probability of those texts (0 when empty)
  double accuracy = 0.0;         // fraction of them predicted right (0 when empty)
};

// Everything calibration_report() computes, each as documented on its own function.
struct CalibrationReport {
  double nll = 0.0;
  double ece = 0.0;
  double mce = 0.0;
  double brier = 0.0;
  std::vector<ReliabilityBin> bins;
};

// Mean negative log-likelihood of the true class, -mean(log p[i][y_i]). Probabilities below
// 1e-15 are raised to 1e-15 (as scikit-learn's log_loss clips) so one confident mistake
// gives a large but finite value.
double negative_log_likelihood(const std::vector<std::vector<double>>& probabilities,
                               const std::vector<int64_t>& labels);

// Reliability diagram: `num_bins` equal-width confidence bins over [0, 1].
std::vector<ReliabilityBin> reliability_bins(const std::vector<std::vector<double>>& probabilities,
                                             const std::vector<int64_t>& labels,
                                             int64_t num_bins = 15);

// Expected calibration error: sum over bins of (count / n) * |accuracy - mean_confidence|.
double expected_calibration_error(const std::vector<std::vector<double>>& probabilities,
                                  const std::vector<int64_t>& labels, int64_t num_bins = 15);

// Maximum calibration error: the largest |accuracy - mean_confidence| over non-empty bins.
double maximum_calibration_error(const std::vector<std::vector<double>>& probabilities,
                                 const std::vector<int64_t>& labels, int64_t num_bins = 15);

// Multi-class Brier score: mean over texts of sum over classes of (p[i][c] - [c == y_i])^2,
// in [0, 2] (not divided by C).
double brier_score(const std::vector<std::vector<double>>& probabilities,
                   const std::vector<int64_t>& labels);

// NLL, ECE, MCE, Brier and the reliability bins in one pass over the input checks.
CalibrationReport calibration_report(const std::vector<std::vector<double>>& probabilities,
                                     const std::vector<int64_t>& labels, int64_t num_bins = 15);

}  // namespace rubrika::metrics
