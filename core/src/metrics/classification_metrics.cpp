// Classification metrics; definitions in rubrika/metrics/classification_metrics.hpp.
#include <rubrika/metrics/classification_metrics.hpp>

#include <rubrika/error.hpp>

#include <cmath>
#include <string>

namespace rubrika::metrics {
namespace {

double ratio(double numerator, double denominator) {
  return denominator > 0.0 ? numerator / denominator : 0.0;  // zero_division = 0
}

ClassScores scores_from_counts(int64_t tp, int64_t fp, int64_t fn) {
  ClassScores s;
  s.precision = ratio(static_cast<double>(tp), static_cast<double>(tp + fp));
  s.recall = ratio(static_cast<double>(tp), static_cast<double>(tp + fn));
  s.f1 = ratio(2.0 * static_cast<double>(tp), static_cast<double>(2 * tp + fp + fn));
  s.support = tp + fn;
  return s;
}

void check_ids(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels,
               int64_t num_classes, const char* metric) {
  if (labels.empty()) throw InputError("no labels to score", metric, "pass at least one text");
  if (predictions.size() != labels.size())
    throw InputError("got " + std::to_string(predictions.size()) + " predictions but " +
                         std::to_string(labels.size()) + " labels",
                     metric);
  if (num_classes < 1) throw InputError("num_classes must be at least 1", metric);
  for (size_t i = 0; i < labels.size(); ++i)
    for (int64_t id : {predictions[i], labels[i]})
      if (id < 0 || id >= num_classes)
        throw InputError("class id " + std::to_string(id) + " at row " + std::to_string(i) +
                             " is outside [0, " + std::to_string(num_classes) + ")",
                         metric);
}

std::vector<std::vector<int64_t>> confusion_unchecked(const std::vector<int64_t>& predictions,
                                                      const std::vector<int64_t>& labels,
                                                      int64_t num_classes) {
  std::vector<std::vector<int64_t>> counts(
      static_cast<size_t>(num_classes), std::vector<int64_t>(static_cast<size_t>(num_classes), 0));
  for (size_t i = 0; i < labels.size(); ++i)
    ++counts[static_cast<size_t>(labels[i])][static_cast<size_t>(predictions[i])];
  return counts;
}

}  // namespace

double accuracy(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels) {
  if (labels.empty()) throw InputError("no labels to score", "accuracy", "pass at least one text");
  if (predictions.size() != labels.size())
    throw InputError("got " + std::to_string(predictions.size()) + " predictions but " +
                         std::to_string(labels.size()) + " labels",
                     "accuracy");
  int64_t right = 0;
  for (size_t i = 0; i < labels.size(); ++i) right += predictions[i] == labels[i] ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(labels.size());
}

std::vector<std::vector<int64_t>> confusion_matrix(const std::vector<int64_t>& predictions,
                                                   const std::vector<int64_t>& labels,
                                                   int64_t num_classes) {
  check_ids(predictions, labels, num_classes, "confusion_matrix");
  return confusion_unchecked(predictions, labels, num_classes);
}

ClassificationReport classification_report(const std::vector<int64_t>& predictions,
                                           const std::vector<int64_t>& labels,
                                           int64_t num_classes) {
  check_ids(predictions, labels, num_classes, "classification_report");
  ClassificationReport report;
  report.confusion = confusion_unchecked(predictions, labels, num_classes);
  report.accuracy = accuracy(predictions, labels);
  double f1_sum = 0.0;
  int64_t present = 0;
  for (size_t c = 0; c < static_cast<size_t>(num_classes); ++c) {
    int64_t tp = report.confusion[c][c], fn = 0, fp = 0;
    for (size_t k = 0; k < static_cast<size_t>(num_classes); ++k) {
      if (k == c) continue;
      fn += report.confusion[c][k];
      fp += report.confusion[k][c];
    }
    report.per_class.push_back(scores_from_counts(tp, fp, fn));
    if (tp + fp + fn > 0) {  // the class occurs in labels or predictions
      f1_sum += report.per_class.back().f1;
      ++present;
    }
  }
  report.macro_f1 = f1_sum / static_cast<double>(present);
  return report;
}

double macro_f1(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels,
                int64_t num_classes) {
  return classification_report(predictions, labels, num_classes).macro_f1;
}

MultiLabelF1 multilabel_f1(const std::vector<std::vector<double>>& probabilities,
                           const std::vector<std::vector<int64_t>>& targets, double threshold) {
  const char* metric = "multilabel_f1";
  if (probabilities.empty()) throw InputError("no rows to score", metric, "pass at least one text");
  if (probabilities.size() != targets.size())
    throw InputError("got " + std::to_string(probabilities.size()) + " probability rows but " +
                         std::to_string(targets.size()) + " target rows",
                     metric);
  const size_t labels = probabilities.front().size();
  if (labels == 0) throw InputError("rows have no labels", metric);
  std::vector<int64_t> tp(labels, 0), fp(labels, 0), fn(labels, 0);
  for (size_t i = 0; i < probabilities.size(); ++i) {
    if (probabilities[i].size() != labels || targets[i].size() != labels)
      throw InputError("row " + std::to_string(i) + " does not have " + std::to_string(labels) +
                           " probabilities and targets",
                       metric, "every row needs one value per label");
    for (size_t c = 0; c < labels; ++c) {
      const int64_t target = targets[i][c];
      if (target != 0 && target != 1)
        throw InputError(
            "target " + std::to_string(target) + " at row " + std::to_string(i) + " is not 0 or 1",
            metric);
      if (!std::isfinite(probabilities[i][c]))
        throw InputError("row " + std::to_string(i) + " has a non-finite probability", metric);
      const bool predicted = probabilities[i][c] >= threshold;
      if (predicted && target == 1) ++tp[c];
      if (predicted && target == 0) ++fp[c];
      if (!predicted && target == 1) ++fn[c];
    }
  }
  MultiLabelF1 result;
  int64_t tp_all = 0, fp_all = 0, fn_all = 0;
  double f1_sum = 0.0;
  for (size_t c = 0; c < labels; ++c) {
    result.per_label.push_back(scores_from_counts(tp[c], fp[c], fn[c]));
    f1_sum += result.per_label.back().f1;
    tp_all += tp[c];
    fp_all += fp[c];
    fn_all += fn[c];
  }
  result.micro_f1 = scores_from_counts(tp_all, fp_all, fn_all).f1;
  result.macro_f1 = f1_sum / static_cast<double>(labels);
  return result;
}

}  // namespace rubrika::metrics
