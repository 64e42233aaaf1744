// Stage "thresholds" (multi-label runs): choose each label's threshold on the calibrated
// validation probabilities ([decision] threshold_strategy), keep them in state.h5 for predict,
// eval and serve, and evaluate the test split at them and at 0.5 (metrics.json "multilabel").
#include "stage_common.hpp"
#include "stage_run.hpp"

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
nlohmann::json choose_and_evaluate(StageRun& s, const DecisionOptions& decision) {
  const DataOutput& data = s.data();
  const LabelThresholds chosen = choose_label_thresholds(
      data.labels.names(), metrics::to_rows(s.forward("validation").probabilities),
      truth_rows(data.validation.multi_hot), decision.threshold_strategy,
      decision.threshold_target);
  warn_unmet_targets(chosen.report);
  s.keep_state(kDecisionStateGroup,
               {{"thresholds", at::tensor(chosen.thresholds, at::kDouble).to(at::kFloat)}});
  s.model().pipeline().set_label_thresholds(chosen.thresholds);
  nlohmann::json test = multilabel_evaluation_json(
      data.labels.names(), metrics::to_rows(s.forward("test").probabilities),
      truth_rows(data.test.multi_hot), chosen.thresholds);
  test["evaluated_on"] = "test";
  return {{"labels", data.labels.names()}, {"thresholds", chosen.report}, {"test", test}};
}

}  // namespace

void run_thresholds_stage(StageRun& s) {
  if (!s.data().multi_label) return;  // single-label runs decide by tau_other and the reranker
  const DecisionOptions decision = s.decision_options();
  auto saved =
      s.is_current() && s.has_metrics() ? s.saved_state(kDecisionStateGroup) : std::nullopt;
  if (saved) {
    log_info(kSource, "up to date: loading the per-label thresholds");
    s.keep_state(kDecisionStateGroup, *saved);
    s.model().pipeline().set_label_thresholds(thresholds_of(*saved));
  } else {
    s.metrics() = choose_and_evaluate(s, decision);
  }
  const nlohmann::json& test = s.metrics()["test"];
  log_info(kSource, "test macro-F1 " + format_metric(test["tuned"]["macro_f1"]) +
                        " at the tuned thresholds, " + format_metric(test["at_0_5"]["macro_f1"]) +
                        " at 0.5; micro-F1 " + format_metric(test["tuned"]["micro_f1"]) +
                        ", subset accuracy " + format_metric(test["tuned"]["subset_accuracy"]));
  s.write_state_file();
  s.finish();
}

}  // namespace rubrika::detail
