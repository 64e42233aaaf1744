// The extension's fitted state: calibrator, per-label thresholds, OOD scorers.
#include "extension.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/metrics/ood_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/multilabel_evaluation.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/state/state_file.hpp>

#include <ATen/ATen.h>

namespace rubrika::detail {

namespace {

constexpr const char* kSource = "extend";

// Rows of `part` whose truth is known for every one of `columns`.
std::vector<const ExtendText*> known_rows(const Extension& e, SplitPart part,
                                          const std::vector<int64_t>& columns) {
  std::vector<const ExtendText*> out;
  for (const ExtendText* row : e.texts.split(part)) {
    bool known = true;
    for (int64_t c : columns) known = known && row->known[static_cast<size_t>(c)];
    if (known) out.push_back(row);
  }
  return out;
}

at::Tensor truth_matrix(const std::vector<const ExtendText*>& rows, size_t labels) {
  std::vector<float> values;
  for (const ExtendText* row : rows)
    values.insert(values.end(), row->truth.begin(), row->truth.end());
  return at::tensor(values).view({static_cast<int64_t>(rows.size()), static_cast<int64_t>(labels)});
}

at::Tensor class_ids(const std::vector<const ExtendText*>& rows) {
  std::vector<int64_t> ids;
  for (const ExtendText* row : rows) ids.push_back(row->label);
  return at::tensor(ids, at::kLong);
}

PluginContext fresh_context(const Extension& e, std::vector<std::string> labels) {
  PluginContext context;
  context.device = e.device;
  context.labels = std::move(labels);
  context.seed = e.request.options.seed;
  return context;
}

std::string added_role(const Extension& e, const std::string& kind) {
  return kind + ".added." + std::to_string(e.index);
}

// Multi-label: the parent's calibrator parts as they are, and one part of the same plugin
// fitted on validation for the added labels.
void extend_multilabel_calibrator(Extension& e) {
  std::vector<LabelledPart<Calibrator>> parts;
  const auto records = e.parent_parts->records("calibrator");
  for (const ComponentRecord* record : records) {
    parts.push_back({e.parent_parts->calibrator(*record), e.parent_parts->context(*record).labels});
    e.manifest.components.push_back(*record);
    e.manifest.components.back().labels = parts.back().labels;
    e.state_groups[record->state] = e.parent_parts->state(*record);  // copied bit for bit
  }
  const ComponentRecord& base = *records.front();
  if (!e.request.options.add.empty()) {
    auto added = e.registry.create<Calibrator>(base.type, fresh_context(e, e.request.options.add),
                                               e.parent_parts->options(base));
    parts.push_back({std::move(added), e.request.options.add, true});
  }
  auto calibrator = std::make_unique<ExtendedCalibrator>(std::move(parts), e.texts.labels);
  if (!e.request.options.add.empty()) {
    const auto validation = known_rows(e, SplitPart::validation, e.added_columns);
    const ForwardResult f = e.forward(validation);
    const auto figures = calibrator->fit(f.logits, truth_matrix(validation, e.texts.labels.size()));
    e.report["calibration"] = {
        {"fitted_on", "validation"}, {"n", validation.size()}, {"figures", figures}};
    const std::string role = added_role(e, "calibrator");
    e.manifest.components.push_back({role, "calibrator", base.type, base.version, "", role,
                                     base.options, e.request.options.add});
    e.state_groups[role] = calibrator->parts().back().component->state();
  }
  e.pipeline->set_calibrator(std::move(calibrator));
}

// Single-label: the softmax has new rows, so the parent's calibrator plugin is fitted again
// on the whole validation split.
void refit_single_label_calibrator(Extension& e) {
  const ComponentRecord& record = *e.parent_parts->records("calibrator").front();
  auto calibrator = e.registry.create<Calibrator>(record.type, fresh_context(e, e.texts.labels),
                                                  e.parent_parts->options(record));
  const auto validation = e.texts.split(SplitPart::validation);
  const ForwardResult f = e.forward(validation);
  const auto figures = calibrator->fit(f.logits, class_ids(validation));
  e.report["calibration"] = {{"fitted_on", "validation"},
                             {"n", validation.size()},
                             {"refitted", true},
                             {"figures", figures}};
  e.manifest.components.push_back(record);
  e.state_groups[record.state] = calibrator->state();
  e.pipeline->set_calibrator(std::move(calibrator));
}

}  // namespace

void refit_calibrator(Extension& e) {
  if (e.parent_parts->records("calibrator").empty()) return;
  if (e.texts.multi_label)
    extend_multilabel_calibrator(e);
  else
    refit_single_label_calibrator(e);
}

namespace {

// The parent's threshold of each of its labels.
std::map<std::string, double> parent_thresholds(const Extension& e) {
  std::map<std::string, double> out;
  const state::StateReader* reader = e.parent_parts->state_reader();
  if (reader == nullptr || !reader->has(kDecisionStateGroup)) return out;
  const at::Tensor values =
      reader->read_tensor_map(kDecisionStateGroup).at("thresholds").to(at::kDouble).contiguous();
  for (size_t j = 0; j < e.parent.labels.size() && j < static_cast<size_t>(values.numel()); ++j)
    out[e.parent.labels[j]] = values[static_cast<int64_t>(j)].item<double>();
  return out;
}

}  // namespace

// The old labels keep their thresholds; the added ones get theirs chosen on validation as the
// parent's [decision] says.
void refit_thresholds(Extension& e) {
  if (!e.texts.multi_label) return;
  const std::map<std::string, double> old = parent_thresholds(e);
  std::vector<double> thresholds;
  for (const auto& label : e.texts.labels) {
    const auto found = old.find(label);
    thresholds.push_back(found == old.end() ? 0.5 : found->second);
  }
  if (!e.added_columns.empty()) {
    const auto validation = known_rows(e, SplitPart::validation, e.added_columns);
    const auto probabilities = metrics::to_rows(e.forward(validation).probabilities);
    std::vector<std::vector<double>> scores;
    std::vector<std::vector<bool>> truth;
    for (size_t i = 0; i < validation.size(); ++i) {
      scores.emplace_back();
      truth.emplace_back();
      for (int64_t c : e.added_columns) {
        scores.back().push_back(probabilities[i][static_cast<size_t>(c)]);
        truth.back().push_back(validation[i]->truth[static_cast<size_t>(c)] > 0.5f);
      }
    }
    const DecisionOptions decision = DecisionOptions::from_toml(e.parent.decision);
    const LabelThresholds chosen =
        choose_label_thresholds(e.request.options.add, scores, truth, decision.threshold_strategy,
                                decision.threshold_target);
    for (size_t k = 0; k < e.added_columns.size(); ++k)
      thresholds[static_cast<size_t>(e.added_columns[k])] = chosen.thresholds[k];
    e.report["thresholds"] = chosen.report;
  }
  e.pipeline->set_label_thresholds(thresholds);
  e.thresholds = thresholds;
  e.state_groups[kDecisionStateGroup] = {
      {"thresholds", at::tensor(thresholds, at::kDouble).to(at::kFloat)}};
}

namespace {

// The classes OOD scorers fit on: class ids, or (multi-label) the id of each label set.
at::Tensor ood_classes(const Extension& e, const std::vector<const ExtendText*>& rows) {
  if (!e.texts.multi_label) return class_ids(rows);
  std::map<std::vector<float>, int64_t> ids;
  std::vector<int64_t> classes;
  for (const ExtendText* row : rows)
    classes.push_back(ids.emplace(row->truth, static_cast<int64_t>(ids.size())).first->second);
  return at::tensor(classes, at::kLong);
}

OodInputs inputs_of(const ForwardResult& f) { return {&f.encoded, f.logits, f.probabilities}; }

nlohmann::json ood_figures(Extension& e, OodScorer& scorer, const ForwardResult& test,
                           const std::map<std::string, double>& fit) {
  nlohmann::json out = {{"fit", fit}};
  if (e.texts.ood.empty()) return out;
  std::vector<size_t> ood_ids;
  for (size_t i = 0; i < e.texts.ood.size(); ++i) ood_ids.push_back(e.texts.texts.size() + i);
  const ForwardResult ood = forward_cached(*e.pipeline, *e.features, ood_ids);
  const auto report = metrics::ood_report(metrics::to_doubles(scorer.score(inputs_of(test))),
                                          metrics::to_doubles(scorer.score(inputs_of(ood))));
  out["auroc"] = report.auroc;
  out["fpr_at_95_tpr"] = report.fpr_at_95_tpr;
  return out;
}

}  // namespace

// Every OOD scorer of the parent is fitted again, with its recorded options, on the training
// texts of the new label set (its classes changed) and thresholded on validation.
void refit_ood(Extension& e) {
  const auto records = e.parent_parts->records("ood");
  if (records.empty()) return;
  const auto train = e.texts.split(SplitPart::train);
  const ForwardResult train_f = e.forward(train);
  const ForwardResult validation_f = e.forward(e.texts.split(SplitPart::validation));
  const ForwardResult test_f = e.forward(e.texts.split(SplitPart::test));
  const at::Tensor classes = ood_classes(e, train);
  for (const ComponentRecord* record : records) {
    auto scorer = e.registry.create<OodScorer>(record->type, fresh_context(e, e.texts.labels),
                                               e.parent_parts->options(*record));
    scorer->fit(inputs_of(train_f), classes);
    const auto fit = scorer->fit_thresholds(inputs_of(validation_f));
    e.report["ood"][record->type] = ood_figures(e, *scorer, test_f, fit);
    e.manifest.components.push_back(*record);
    e.state_groups[record->state] = scorer->state();
    e.pipeline->add_ood_scorer(record->type, std::move(scorer));
  }
  log_info(kSource, "OOD scorers refitted on " + std::to_string(train.size()) + " training texts");
}

}  // namespace rubrika::detail
