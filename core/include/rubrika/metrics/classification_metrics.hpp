// Classification metrics for single-label and multi-label classifiers, with scikit-learn's
// definitions (zero_division = 0: a ratio with a zero denominator counts as 0).
//
// Single-label: `predictions` and `labels` are n class ids in [0, num_classes).
// Multi-label: `probabilities` and `targets` are n rows of num_classes values ([n][C]);
// a label is predicted when its probability >= threshold, targets are 0 or 1.
// Invalid input (length mismatch, id out of range, empty) is a rubrika::InputError.
#pragma once

#include <cstdint>
#include <vector>

namespace rubrika::metrics {

// Share of texts whose prediction equals the label.
double accuracy(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels);

// counts[true][predicted], [num_classes][num_classes].
std::vector<std::vector<int64_t>> confusion_matrix(const std::vector<int64_t>& predictions,
                                                   const std::vector<int64_t>& labels,
                                                   int64_t num_classes);

struct ClassScores {
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
  int64_t support = 0;  // texts whose true label is this class
};

struct ClassificationReport {
  double accuracy = 0.0;
  // Mean F1 over the classes that occur in `labels` or `predictions` (scikit-learn's
  // labels=None behaviour), so a class absent from a small test split does not count as 0.
  double macro_f1 = 0.0;
  std::vector<ClassScores> per_class;           // [num_classes], every class
  std::vector<std::vector<int64_t>> confusion;  // as confusion_matrix()
};

ClassificationReport classification_report(const std::vector<int64_t>& predictions,
                                           const std::vector<int64_t>& labels, int64_t num_classes);

// Macro-F1 as in ClassificationReport.
double macro_f1(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels,
                int64_t num_classes);

struct MultiLabelF1 {
  double micro_f1 = 0.0;               // from tp, fp, fn summed over every (text, label) cell
  double macro_f1 = 0.0;               // mean of per-label F1 over all num_classes labels
  std::vector<ClassScores> per_label;  // support = texts carrying the label
};

MultiLabelF1 multilabel_f1(const std::vector<std::vector<double>>& probabilities,
                           const std::vector<std::vector<int64_t>>& targets,
                           double threshold = 0.5);

}  // namespace rubrika::metrics
