// Multi-label thresholds and figures; the JSON shapes are in rubrika/multilabel_evaluation.hpp.
#include <rubrika/multilabel_evaluation.hpp>

#include <rubrika/error.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

namespace rubrika {
namespace {

using nlohmann::json;

constexpr size_t kRocPoints = 101;      // enough for a smooth chart, small in metrics.json
constexpr int64_t kHistogramBins = 20;  // bins of width 0.05
constexpr double kDefaultThreshold = 0.5;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// Texts are numbered from 1 in messages, as the rest of evaluation does.
std::string text_where(const char* where, size_t row) {
  return std::string(where) + ", text " + std::to_string(row + 1);
}

void check_labels(const std::vector<std::string>& labels, const char* where) {
  if (labels.empty()) throw InputError("no labels", where, "pass the label names in column order");
  std::set<std::string> seen;
  for (const auto& label : labels)
    if (!seen.insert(label).second)
      throw InputError("label " + quoted(label) + " appears twice", where,
                       "label names key the per-label figures and must be distinct");
}

// Throws InputError unless `probabilities` and `truth` are both [texts][labels], with >= 1
// text, and every probability lies in [0, 1].
void check_shapes(const std::vector<std::string>& labels,
                  const std::vector<std::vector<double>>& probabilities,
                  const std::vector<std::vector<bool>>& truth, const char* where) {
  check_labels(labels, where);
  if (probabilities.empty()) throw InputError("no texts", where, "pass at least one labelled text");
  if (probabilities.size() != truth.size())
    throw InputError(std::to_string(probabilities.size()) + " probability rows but " +
                         std::to_string(truth.size()) + " truth rows",
                     where, "pass one truth row per text");
  const size_t num_labels = labels.size();
  for (size_t i = 0; i < probabilities.size(); ++i) {
    if (probabilities[i].size() != num_labels)
      throw InputError(std::to_string(probabilities[i].size()) + " probabilities for " +
                           std::to_string(num_labels) + " labels",
                       text_where(where, i), "pass one probability per label, in label order");
    if (truth[i].size() != num_labels)
      throw InputError(std::to_string(truth[i].size()) + " truth values for " +
                           std::to_string(num_labels) + " labels",
                       text_where(where, i), "pass one truth value per label, in label order");
    for (size_t j = 0; j < num_labels; ++j) {
      const double p = probabilities[i][j];
      if (!(std::isfinite(p) && p >= 0.0 && p <= 1.0))
        throw InputError("probability of label " + quoted(labels[j]) + " is " + std::to_string(p) +
                             ", outside [0, 1]",
                         text_where(where, i), "pass calibrated probabilities");
    }
  }
}

template <class T>
std::vector<T> column(const std::vector<std::vector<T>>& rows, size_t j) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(row[j]);
  return out;
}

json optional_json(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

json counts_json(const metrics::BinaryCounts& c) {
  return {{"precision", c.precision()},
          {"recall", c.recall()},
          {"f1", c.f1()},
          {"tp", c.tp},
          {"fp", c.fp},
          {"fn", c.fn},
          {"tn", c.tn}};
}

json figures_json(const metrics::LabelSetFigures& f) {
  return {{"micro_f1", f.micro_f1},
          {"macro_f1", f.macro_f1},
          {"subset_accuracy", f.subset_accuracy},
          {"hamming_loss", f.hamming_loss},
          {"predicted_cardinality", f.predicted_cardinality},
          {"true_cardinality", f.true_cardinality},
          {"no_label_predicted", f.no_label_predicted},
          {"no_label_true", f.no_label_true}};
}

// One label's entry of "per_label".
json label_json(const std::vector<double>& scores, const std::vector<bool>& truth,
                double threshold) {
  const auto support = static_cast<int64_t>(std::count(truth.begin(), truth.end(), true));
  const metrics::RocCurve roc = metrics::roc_curve(scores, truth, kRocPoints);
  const metrics::ScoreHistogram histogram = metrics::score_histogram(scores, truth, kHistogramBins);
  return {{"threshold", threshold},
          {"support", support},
          {"negatives", static_cast<int64_t>(truth.size()) - support},
          {"roc_auc", optional_json(metrics::roc_auc(scores, truth))},
          {"average_precision", optional_json(metrics::average_precision(scores, truth))},
          {"tuned", counts_json(metrics::binary_counts(scores, truth, threshold))},
          {"at_0_5", counts_json(metrics::binary_counts(scores, truth, kDefaultThreshold))},
          {"roc", {{"fpr", roc.fpr}, {"tpr", roc.tpr}}},
          {"histogram",
           {{"edges", histogram.edges},
            {"positive", histogram.positive},
            {"negative", histogram.negative}}}};
}

}  // namespace

std::vector<double> label_column(const std::vector<std::vector<double>>& rows, size_t j) {
  return column(rows, j);
}

std::vector<bool> label_column(const std::vector<std::vector<bool>>& rows, size_t j) {
  return column(rows, j);
}

std::vector<std::vector<bool>> labels_on(const std::vector<std::vector<double>>& probabilities,
                                         const std::vector<double>& thresholds) {
  std::vector<std::vector<bool>> on(probabilities.size(), std::vector<bool>(thresholds.size()));
  for (size_t i = 0; i < probabilities.size(); ++i)
    for (size_t j = 0; j < thresholds.size(); ++j) on[i][j] = probabilities[i][j] >= thresholds[j];
  return on;
}

nlohmann::json label_set_json(const metrics::LabelSetFigures& figures) {
  return figures_json(figures);
}

LabelThresholds choose_label_thresholds(const std::vector<std::string>& labels,
                                        const std::vector<std::vector<double>>& probabilities,
                                        const std::vector<std::vector<bool>>& truth,
                                        metrics::ThresholdStrategy strategy, double target) {
  check_shapes(labels, probabilities, truth, "choose_label_thresholds");
  LabelThresholds out;
  out.report = {{"strategy", enum_name(metrics::kThresholdStrategyNames, strategy)},
                {"chosen_on", "validation"},
                {"n", static_cast<int64_t>(probabilities.size())}};
  if (strategy != metrics::ThresholdStrategy::f1) out.report["target"] = target;
  json per_label = json::object();
  for (size_t j = 0; j < labels.size(); ++j) {
    metrics::ChosenThreshold chosen;
    try {
      chosen =
          metrics::choose_threshold(column(probabilities, j), column(truth, j), strategy, target);
    } catch (...) {
      rethrow_with_context("choosing the threshold of label " + quoted(labels[j]));
    }
    out.thresholds.push_back(chosen.threshold);
    per_label[labels[j]] = {{"threshold", chosen.threshold},
                            {"precision", chosen.counts.precision()},
                            {"recall", chosen.counts.recall()},
                            {"f1", chosen.counts.f1()},
                            {"target_met", chosen.target_met}};
  }
  out.report["per_label"] = std::move(per_label);
  return out;
}

nlohmann::json multilabel_evaluation_json(const std::vector<std::string>& labels,
                                          const std::vector<std::vector<double>>& probabilities,
                                          const std::vector<std::vector<bool>>& truth,
                                          const std::vector<double>& thresholds) {
  const char* where = "multilabel evaluation";
  check_shapes(labels, probabilities, truth, where);
  if (thresholds.size() != labels.size())
    throw InputError(std::to_string(thresholds.size()) + " thresholds for " +
                         std::to_string(labels.size()) + " labels",
                     where, "pass one threshold per label, in label order");
  for (size_t j = 0; j < thresholds.size(); ++j)
    if (!std::isfinite(thresholds[j]))
      throw InputError("threshold of label " + quoted(labels[j]) + " is not finite", where);

  json per_label = json::object();
  for (size_t j = 0; j < labels.size(); ++j)
    per_label[labels[j]] = label_json(column(probabilities, j), column(truth, j), thresholds[j]);
  const auto tuned = labels_on(probabilities, thresholds);
  const auto at_default =
      labels_on(probabilities, std::vector<double>(labels.size(), kDefaultThreshold));
  return {{"n", static_cast<int64_t>(probabilities.size())},
          {"tuned", figures_json(metrics::label_set_figures(tuned, truth))},
          {"at_0_5", figures_json(metrics::label_set_figures(at_default, truth))},
          {"per_label", std::move(per_label)},
          {"co_occurrence",
           {{"labels", labels},
            {"true", metrics::co_occurrence(truth)},
            {"tuned", metrics::co_occurrence(tuned)}}}};
}

}  // namespace rubrika
