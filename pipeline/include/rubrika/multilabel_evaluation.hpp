// Multi-label evaluation: per-label thresholds chosen on validation, and the figures of
// metrics.json's "multilabel" section (docs/metrics_schema.md) on any labelled texts.
//
// The training run (thresholds stage), the tf-idf baseline and `rubrika eval` all call these,
// so the three report the same figures the same way. Inputs are calibrated probabilities
// [texts][labels] and 0/1 truth of the same shape, as plain vectors.
#pragma once

#include <rubrika/metrics/multilabel_metrics.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rubrika {

// 0/1 rows as data splits hold them (multi_hot: one float per label) → truth rows.
std::vector<std::vector<bool>> truth_rows(const std::vector<std::vector<float>>& multi_hot);

// Column j of [texts][labels] rows: one label's scores or truth over the texts.
std::vector<double> label_column(const std::vector<std::vector<double>>& rows, size_t j);
std::vector<bool> label_column(const std::vector<std::vector<bool>>& rows, size_t j);

// [texts][labels]: on where the probability reaches the label's threshold (>=, as
// metrics::binary_counts decides).
std::vector<std::vector<bool>> labels_on(const std::vector<std::vector<double>>& probabilities,
                                         const std::vector<double>& thresholds);

struct LabelThresholds {
  std::vector<double> thresholds;  // one per label, label order
  // {"strategy", ["target"], "chosen_on": "validation", "n",
  //  "per_label": {label: {"threshold", "precision", "recall", "f1", "target_met"}}}
  nlohmann::json report;
};

// Chooses each label's threshold on `probabilities` / `truth` (the validation split) with
// metrics::choose_threshold. Throws InputError when the shapes differ from `labels`.
LabelThresholds choose_label_thresholds(const std::vector<std::string>& labels,
                                        const std::vector<std::vector<double>>& probabilities,
                                        const std::vector<std::vector<bool>>& truth,
                                        metrics::ThresholdStrategy strategy, double target);

// The "multilabel" figures of `probabilities` against `truth` at `thresholds` and at 0.5:
//   {"n", "tuned": LabelSetFigures, "at_0_5": LabelSetFigures,
//    "per_label": {label: {"threshold", "support", "negatives", "roc_auc", "average_precision",
//                          "tuned": {"precision", "recall", "f1", "tp", "fp", "fn", "tn"},
//                          "at_0_5": {…the same…}, "roc": {"fpr": [], "tpr": []},
//                          "histogram": {"edges": [], "positive": [], "negative": []}}},
//    "co_occurrence": {"labels": [], "true": [[]], "tuned": [[]]}}
// LabelSetFigures as {"micro_f1", "macro_f1", "subset_accuracy", "hamming_loss",
// "predicted_cardinality", "true_cardinality", "no_label_predicted", "no_label_true"}.
// roc_auc / average_precision are null for a label whose texts are all positive or all
// negative. Throws InputError when the shapes differ.
// LabelSetFigures as JSON, the shape of "tuned" / "at_0_5" below.
nlohmann::json label_set_json(const metrics::LabelSetFigures& figures);

nlohmann::json multilabel_evaluation_json(const std::vector<std::string>& labels,
                                          const std::vector<std::vector<double>>& probabilities,
                                          const std::vector<std::vector<bool>>& truth,
                                          const std::vector<double>& thresholds);

}  // namespace rubrika
