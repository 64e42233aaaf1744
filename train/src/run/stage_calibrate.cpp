// Stage "calibrate": fit the calibrator on validation logits, report calibration on test.
#include "run_state.hpp"
#include "stage_common.hpp"

#include <rubrika/log.hpp>
#include <rubrika/metrics/calibration_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>

#include <ATen/ATen.h>

namespace rubrika::detail {
namespace {

constexpr const char* kSource = "calibrate";

nlohmann::json report_json(const metrics::CalibrationReport& r) {
  nlohmann::json bins = nlohmann::json::array();
  for (const auto& b : r.bins)
    bins.push_back({{"lower", b.lower},
                    {"upper", b.upper},
                    {"count", b.count},
                    {"confidence", b.mean_confidence},
                    {"accuracy", b.accuracy}});
  return {{"nll", r.nll}, {"ece", r.ece}, {"mce", r.mce}, {"brier", r.brier}, {"bins", bins}};
}

// What the calibrator was fitted on stays in state.h5 for analysis (reliability plots,
// threshold studies) without re-running the model.
constexpr const char* kAnalysisGroup = "analysis/validation";

void keep_validation_outputs(RunState& s, const ForwardResult& validation) {
  s.state_groups[kAnalysisGroup] = {{"logits", validation.logits.contiguous()},
                                    {"labels", at::tensor(s.validation.labels, at::kLong)},
                                    {"cls", validation.encoded.cls.contiguous()},
                                    {"pooled", validation.encoded.pooled.contiguous()}};
}

}  // namespace

void run_calibrate_stage(RunState& s) {
  const toml::table* table = s.tables().section("calibrator");
  if (table == nullptr) {
    log_info(kSource, "no [calibrator]: probabilities are the head's own");
    return;
  }
  if (s.multi_label) {
    log_warn(kSource,
             "[calibrator] applies to single-label heads; skipped for this multi-label run");
    return;
  }
  const std::string type = s.tables().plugin_type("calibrator");
  auto calibrator = s.registry.create<Calibrator>(type, s.context(), *table);
  const std::string& stamp = s.stamps["calibrate"];
  auto saved = stage_is_current(s, "calibrate", stamp, {}) ? read_state_group(s, "calibrator")
                                                           : std::nullopt;
  if (saved) {
    log_info(kSource, "up to date: loading the fitted " + type + " calibrator");
    calibrator->load_state(*saved);
    if (auto analysis = read_state_group(s, kAnalysisGroup))
      s.state_groups[kAnalysisGroup] = *analysis;
  } else {
    const ForwardResult& validation = forward_split(s, "validation");
    keep_validation_outputs(s, validation);
    const at::Tensor labels = at::tensor(s.validation.labels, at::kLong);
    std::map<std::string, double> figures = calibrator->fit(validation.logits, labels);
    const ForwardResult& test = forward_split(s, "test");
    const auto before =
        metrics::calibration_report(metrics::to_rows(at::softmax(test.logits, 1)), s.test.labels);
    const auto after = metrics::calibration_report(
        metrics::to_rows(calibrator->probabilities(test.logits)), s.test.labels);
    nlohmann::json out = {{"calibrator", type},
                          {"fit", figures},
                          {"evaluated_on", "test"},
                          {"before", report_json(before)},
                          {"after", report_json(after)}};
    if (figures.count("temperature")) out["temperature"] = figures.at("temperature");
    s.metrics["calibration"] = out;
    log_info(kSource, "test ECE " + format_metric(before.ece) + " → " + format_metric(after.ece) +
                          ", NLL " + format_metric(before.nll) + " → " + format_metric(after.nll));
  }
  s.state_groups["calibrator"] = calibrator->state();
  s.manifest.components.push_back({"calibrator", "calibrator", type,
                                   s.registry.find("calibrator", type).version, "", "calibrator",
                                   options_without_type(*table)});
  s.pipeline->set_calibrator(std::move(calibrator));
  s.forward_cache.clear();  // probabilities changed
  write_state_file(s);
  record_stage(s, "calibrate", stamp);
}

}  // namespace rubrika::detail
