// Stage "thresholds" (multi-label runs): choose each label's threshold on the calibrated
// validation probabilities ([decision] threshold_strategy), keep them in state.h5 for predict,
// eval and serve, and evaluate the test split at them and at 0.5 (metrics.json "multilabel").
#include "run_state.hpp"
#include "stage_common.hpp"

#include <rubrika/log.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/multilabel_evaluation.hpp>

#include <ATen/ATen.h>

namespace rubrika::detail {
namespace {

constexpr const char* kSource = "thresholds";

std::vector<double> thresholds_of(const TensorMap& group) {
  const at::Tensor values = group.at("thresholds").to(at::kDouble).contiguous();
  return {values.data_ptr<double>(), values.data_ptr<double>() + values.numel()};
}

void warn_unmet_targets(const nlohmann::json& report) {
  for (const auto& [label, figures] : report["per_label"].items())
    if (!figures.value("target_met", true))
      log_warn(kSource, "label '" + label + "': the threshold target was not reached on " +
                            "validation (threshold " + format_metric(figures["threshold"]) +
                            ", precision " + format_metric(figures["precision"]) + ", recall " +
                            format_metric(figures["recall"]) + ")");
}

// Chooses the thresholds on validation and evaluates the test split at them.
nlohmann::json choose_and_evaluate(RunState& s, const DecisionOptions& decision) {
  const LabelThresholds chosen = choose_label_thresholds(
      s.labels.names(), metrics::to_rows(forward_split(s, "validation").probabilities),
      truth_rows(s.validation.multi_hot), decision.threshold_strategy, decision.threshold_target);
  warn_unmet_targets(chosen.report);
  s.state_groups[kDecisionStateGroup] = {
      {"thresholds", at::tensor(chosen.thresholds, at::kDouble).to(at::kFloat)}};
  s.pipeline->set_label_thresholds(chosen.thresholds);
  nlohmann::json test = multilabel_evaluation_json(
      s.labels.names(), metrics::to_rows(forward_split(s, "test").probabilities),
      truth_rows(s.test.multi_hot), chosen.thresholds);
  test["evaluated_on"] = "test";
  return {{"labels", s.labels.names()}, {"thresholds", chosen.report}, {"test", test}};
}

}  // namespace

void run_thresholds_stage(RunState& s) {
  if (!s.multi_label) return;  // single-label runs decide by tau_other and the reranker
  const DecisionOptions decision = decision_options(s);
  const std::string& stamp = s.stamps["thresholds"];
  auto saved = stage_is_current(s, "thresholds", stamp, {}) && s.metrics.contains("multilabel")
                   ? read_state_group(s, kDecisionStateGroup)
                   : std::nullopt;
  if (saved) {
    log_info(kSource, "up to date: loading the per-label thresholds");
    s.state_groups[kDecisionStateGroup] = *saved;
    s.pipeline->set_label_thresholds(thresholds_of(*saved));
  } else {
    s.metrics["multilabel"] = choose_and_evaluate(s, decision);
  }
  const nlohmann::json& test = s.metrics["multilabel"]["test"];
  log_info(kSource, "test macro-F1 " + format_metric(test["tuned"]["macro_f1"]) +
                        " at the tuned thresholds, " + format_metric(test["at_0_5"]["macro_f1"]) +
                        " at 0.5; micro-F1 " + format_metric(test["tuned"]["micro_f1"]) +
                        ", subset accuracy " + format_metric(test["tuned"]["subset_accuracy"]));
  write_state_file(s);
  record_stage(s, "thresholds", stamp);
}

}  // namespace rubrika::detail
