// The extension's test figures: every label on the test texts, the old labels set beside the
// parent's own metrics.json, and the added labels on the texts whose truth is known for them.
#include "../run/stage_common.hpp"
#include "extension.hpp"

#include <rubrika/log.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/multilabel_evaluation.hpp>
#include <rubrika/run_layout.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

namespace rubrika::detail {
namespace {

constexpr const char* kSource = "extend";

// j[key], or null when j is not an object or has no such key (the parent's metrics may lack
// sections).
const nlohmann::json& child(const nlohmann::json& j, const char* key) {
  static const nlohmann::json null;
  if (!j.is_object()) return null;
  const auto found = j.find(key);
  return found == j.end() ? null : *found;
}

nlohmann::json read_parent_metrics(const Extension& e) {
  std::ifstream in(RunLayout(e.request.parent).metrics(), std::ios::binary);
  if (!in) return nlohmann::json::object();
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json parsed = nlohmann::json::parse(text.str(), nullptr, false);
  return parsed.is_object() ? parsed : nlohmann::json::object();
}

// Test rows whose truth is known for every one of `columns` (and, with `parent_only`, that
// the parent had).
std::vector<const ExtendText*> test_rows(const Extension& e, const std::vector<int64_t>& columns,
                                         bool parent_only) {
  std::vector<const ExtendText*> out;
  for (const ExtendText* row : e.texts.split(SplitPart::test)) {
    bool keep = !parent_only || row->from_parent;
    for (int64_t c : columns) keep = keep && row->known[static_cast<size_t>(c)];
    if (keep) out.push_back(row);
  }
  return out;
}

// multilabel_evaluation_json on the columns `columns` of `rows`.
nlohmann::json evaluate_columns(Extension& e, const std::vector<const ExtendText*>& rows,
                                const std::vector<int64_t>& columns) {
  const auto probabilities = metrics::to_rows(e.forward(rows).probabilities);
  std::vector<std::string> labels;
  std::vector<double> thresholds;
  for (int64_t c : columns) {
    labels.push_back(e.texts.labels[static_cast<size_t>(c)]);
    thresholds.push_back(e.thresholds[static_cast<size_t>(c)]);
  }
  std::vector<std::vector<double>> scores(rows.size());
  std::vector<std::vector<bool>> truth(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    for (int64_t c : columns) {
      scores[i].push_back(probabilities[i][static_cast<size_t>(c)]);
      truth[i].push_back(rows[i]->truth[static_cast<size_t>(c)] > 0.5f);
    }
  nlohmann::json out = multilabel_evaluation_json(labels, scores, truth, thresholds);
  out["evaluated_on"] = "test";
  return out;
}

std::vector<int64_t> columns_where(const Extension& e, bool added) {
  std::vector<int64_t> out;
  for (size_t j = 0; j < e.texts.labels.size(); ++j) {
    const bool is_added = std::find(e.added_columns.begin(), e.added_columns.end(),
                                    static_cast<int64_t>(j)) != e.added_columns.end();
    if (is_added == added) out.push_back(static_cast<int64_t>(j));
  }
  return out;
}

double difference(const nlohmann::json& a, const nlohmann::json& b) {
  if (!a.is_number() || !b.is_number()) return NAN;
  return std::abs(a.get<double>() - b.get<double>());
}

// The old labels' test figures now and in the parent's metrics.json.
nlohmann::json old_against_parent(const nlohmann::json& now, const nlohmann::json& parent) {
  nlohmann::json out = nlohmann::json::object();
  const nlohmann::json& before = child(child(child(parent, "multilabel"), "test"), "per_label");
  for (const auto& [label, figures] : now["per_label"].items()) {
    nlohmann::json row = {{"roc_auc", figures["roc_auc"]},
                          {"f1", figures["tuned"]["f1"]},
                          {"threshold", figures["threshold"]},
                          {"support", figures["support"]}};
    if (before.is_object() && before.contains(label)) {
      const nlohmann::json& b = before[label];
      row["parent_roc_auc"] = child(b, "roc_auc");
      row["parent_f1"] = child(child(b, "tuned"), "f1");
      row["parent_threshold"] = child(b, "threshold");
      const double delta = std::max(difference(figures["roc_auc"], row["parent_roc_auc"]),
                                    difference(figures["tuned"]["f1"], row["parent_f1"]));
      row["max_abs_difference"] = std::isnan(delta) ? nlohmann::json() : nlohmann::json(delta);
    }
    out[label] = row;
  }
  return out;
}

// The "thresholds" report of every label: the parent's entries for old labels, this
// extension's choice for the added ones.
nlohmann::json thresholds_report(const Extension& e, const nlohmann::json& parent) {
  nlohmann::json out = child(child(parent, "multilabel"), "thresholds");
  if (!out.is_object()) out = nlohmann::json::object();
  nlohmann::json per_label = nlohmann::json::object();
  const nlohmann::json& old = child(out, "per_label");
  const nlohmann::json& added = child(child(e.report, "thresholds"), "per_label");
  for (size_t j = 0; j < e.texts.labels.size(); ++j) {
    const std::string& label = e.texts.labels[j];
    if (!child(added, label.c_str()).is_null())
      per_label[label] = added[label];
    else if (!child(old, label.c_str()).is_null())
      per_label[label] = old[label];
    else
      per_label[label] = {{"threshold", e.thresholds[j]}};
  }
  out["per_label"] = per_label;
  return out;
}

void evaluate_multilabel(Extension& e, const nlohmann::json& parent) {
  const std::vector<int64_t> all = columns_where(e, false);
  std::vector<int64_t> every = all;
  every.insert(every.end(), e.added_columns.begin(), e.added_columns.end());
  std::sort(every.begin(), every.end());
  const auto rows = test_rows(e, every, false);
  nlohmann::json test = evaluate_columns(e, rows, every);
  e.metrics["multilabel"] = {
      {"labels", e.texts.labels}, {"thresholds", thresholds_report(e, parent)}, {"test", test}};
  e.metrics["classifier"]["test"] = test;
  const nlohmann::json old = evaluate_columns(e, test_rows(e, all, true), all);
  e.report["old_labels"] = old_against_parent(old, parent);
  nlohmann::json added = nlohmann::json::object();
  for (int64_t c : e.added_columns) {
    const auto known = test_rows(e, {c}, false);
    const nlohmann::json figures = evaluate_columns(e, known, {c});
    const std::string& label = e.texts.labels[static_cast<size_t>(c)];
    const nlohmann::json& f = figures["per_label"][label];
    added[label] = {{"roc_auc", f["roc_auc"]},        {"average_precision", f["average_precision"]},
                    {"f1", f["tuned"]["f1"]},         {"precision", f["tuned"]["precision"]},
                    {"recall", f["tuned"]["recall"]}, {"f1_at_0_5", f["at_0_5"]["f1"]},
                    {"threshold", f["threshold"]},    {"support", f["support"]},
                    {"test_texts", known.size()}};
    log_info(kSource, "added '" + label + "': test ROC AUC " + format_metric(f["roc_auc"]) +
                          ", F1 " + format_metric(f["tuned"]["f1"]) + " (recall " +
                          format_metric(f["tuned"]["recall"]) + ")");
  }
  e.report["added_labels"] = added;
}

std::vector<int64_t> class_ids(const std::vector<const ExtendText*>& rows) {
  std::vector<int64_t> ids;
  for (const ExtendText* row : rows) ids.push_back(row->label);
  return ids;
}

// Single-label: the whole test split; the kept classes' per-class figures beside the parent's
// (they change: the added classes compete for the same texts).
void evaluate_single_label(Extension& e, const nlohmann::json& parent) {
  const auto rows = e.texts.split(SplitPart::test);
  const ForwardResult f = e.forward(rows);
  const nlohmann::json test =
      classification_json(class_ids(rows), f.logits, LabelSet(e.texts.labels));
  e.metrics["classifier"]["test"] = test;
  const nlohmann::json& parent_test = child(child(parent, "classifier"), "test");
  const nlohmann::json& before = child(parent_test, "per_class");
  nlohmann::json classes = nlohmann::json::object();
  for (const auto& [label, figures] : test["per_class"].items()) {
    nlohmann::json row = {{"f1", figures["f1"]}, {"support", figures["support"]}};
    row["parent_f1"] = child(child(before, label.c_str()), "f1");
    classes[label] = row;
  }
  e.report["classes"] = classes;
  e.report["test"] = {{"accuracy", test["accuracy"]},
                      {"macro_f1", test["macro_f1"]},
                      {"parent_accuracy", child(parent_test, "accuracy")},
                      {"parent_macro_f1", child(parent_test, "macro_f1")}};
  log_info(kSource, "test accuracy " + format_metric(test["accuracy"]) + ", macro-F1 " +
                        format_metric(test["macro_f1"]));
}

}  // namespace

void evaluate_extension(Extension& e) {
  const nlohmann::json parent = read_parent_metrics(e);
  if (e.texts.multi_label)
    evaluate_multilabel(e, parent);
  else
    evaluate_single_label(e, parent);
}

}  // namespace rubrika::detail
