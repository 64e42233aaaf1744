// Stage "calibrate": fit the calibrator on validation logits, report calibration on test.
#include "calibrate_multilabel.hpp"
#include "calibration_guard.hpp"
#include "stage_common.hpp"

#include <rubrika/log.hpp>
#include <rubrika/metrics/calibration_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/options_reader.hpp>

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

void keep_validation_outputs(StageRun& s, const ForwardResult& validation) {
  s.keep_state(kValidationAnalysisGroup,
               {{"logits", validation.logits.contiguous()},
                {"labels", at::tensor(s.data().validation.labels, at::kLong)},
                {"cls", validation.encoded.cls.contiguous()},
                {"pooled", validation.encoded.pooled.contiguous()}});
}

// The calibrator would not help: probabilities stay the head's softmax (T = 1), and the
// test figures say so.
void keep_uncalibrated(StageRun& s, const std::string& type, nlohmann::json check) {
  const ForwardResult& test = s.forward("test");
  const auto report = metrics::calibration_report(metrics::to_rows(at::softmax(test.logits, 1)),
                                                  s.data().test.labels);
  s.metrics() = {
      {"calibrator", type},     {"kept_uncalibrated", true},     {"small_validation_check", check},
      {"evaluated_on", "test"}, {"before", report_json(report)}, {"after", report_json(report)}};
  log_warn(kSource,
           "calibrating does not lower the held-out NLL on this small validation "
           "split: probabilities stay uncalibrated (T = 1)");
  s.write_state_file();
  s.finish();
}

double nll_of(const at::Tensor& probabilities, const std::vector<int64_t>& labels) {
  return metrics::calibration_report(metrics::to_rows(probabilities), labels).nll;
}

// On a small validation split a fitted calibrator can make test calibration worse (seen: ECE
// 0.066 → 0.130 from 100 texts). K-fold cross-validation over the validation texts: fit on
// K-1 folds, measure NLL on the held-out one, with and without calibration. Returns the
// figures; "calibrate" is false when calibrating does not lower the held-out NLL.
nlohmann::json cross_validate(StageRun& s, const std::string& type, const toml::table& table,
                              const ForwardResult& validation, const CalibrationGuard& guard) {
  const std::vector<int64_t>& labels = s.data().validation.labels;
  const auto n = static_cast<int64_t>(labels.size());
  double with = 0, without = 0;
  for (int64_t fold = 0; fold < guard.folds; ++fold) {
    std::vector<int64_t> fit_rows, held_rows;
    for (int64_t i = 0; i < n; ++i) (i % guard.folds == fold ? held_rows : fit_rows).push_back(i);
    if (held_rows.empty() || fit_rows.empty()) continue;
    auto pick = [](const std::vector<int64_t>& all, const std::vector<int64_t>& rows) {
      std::vector<int64_t> out;
      for (int64_t r : rows) out.push_back(all[static_cast<size_t>(r)]);
      return out;
    };
    const at::Tensor fit_index = at::tensor(fit_rows, at::kLong);
    const at::Tensor held_index = at::tensor(held_rows, at::kLong);
    auto calibrator = s.registry().create<Calibrator>(type, s.context(), table);
    calibrator->fit(validation.logits.index_select(0, fit_index),
                    at::tensor(pick(labels, fit_rows), at::kLong));
    const at::Tensor held = validation.logits.index_select(0, held_index);
    const auto held_labels = pick(labels, held_rows);
    with += nll_of(calibrator->probabilities(held), held_labels) * held_rows.size();
    without += nll_of(at::softmax(held, 1), held_labels) * held_rows.size();
  }
  nlohmann::json out = {{"validation_texts", n},
                        {"min_validation", guard.min_validation},
                        {"folds", guard.folds},
                        {"cv_nll_calibrated", with / n},
                        {"cv_nll_uncalibrated", without / n}};
  out["calibrate"] = with < without;
  return out;
}

// Fits `calibrator` on the validation logits and reports calibration on the test split.
void fit_and_report(StageRun& s, Calibrator& calibrator, const std::string& type,
                    const ForwardResult& validation, const nlohmann::json& check) {
  const DataOutput& data = s.data();
  const at::Tensor labels = at::tensor(data.validation.labels, at::kLong);
  std::map<std::string, double> figures = calibrator.fit(validation.logits, labels);
  const ForwardResult& test = s.forward("test");
  const auto before =
      metrics::calibration_report(metrics::to_rows(at::softmax(test.logits, 1)), data.test.labels);
  const auto after = metrics::calibration_report(
      metrics::to_rows(calibrator.probabilities(test.logits)), data.test.labels);
  nlohmann::json out = {{"calibrator", type},
                        {"fit", figures},
                        {"evaluated_on", "test"},
                        {"before", report_json(before)},
                        {"after", report_json(after)}};
  if (figures.count("temperature")) out["temperature"] = figures.at("temperature");
  if (!check.is_null()) out["small_validation_check"] = check;
  s.metrics() = out;
  log_info(kSource, "test ECE " + format_metric(before.ece) + " → " + format_metric(after.ece) +
                        ", NLL " + format_metric(before.nll) + " → " + format_metric(after.nll));
}

// The softmax path: fits on validation (after the small-validation check) and reports on
// test. False when the check says calibrating would not help (its figures are in metrics).
bool fit_single_label(StageRun& s, Calibrator& calibrator, const std::string& type,
                      const toml::table& table, const CalibrationGuard& guard) {
  const ForwardResult& validation = s.forward("validation");
  keep_validation_outputs(s, validation);
  const auto n = static_cast<int64_t>(s.data().validation.size());
  nlohmann::json check;
  if (n < guard.min_validation) {
    check = cross_validate(s, type, table, validation, guard);
    log_info(kSource, std::to_string(n) + " validation texts (< " +
                          std::to_string(guard.min_validation) +
                          "): " + std::to_string(guard.folds) + "-fold held-out NLL " +
                          format_metric(check["cv_nll_uncalibrated"]) + " uncalibrated, " +
                          format_metric(check["cv_nll_calibrated"]) + " calibrated");
    if (!check["calibrate"].get<bool>()) {
      s.metrics() = {{"small_validation_check", check}};
      return false;
    }
  }
  fit_and_report(s, calibrator, type, validation, check);
  return true;
}

}  // namespace

void run_calibrate_stage(StageRun& s) {
  const toml::table* table = s.tables().section("calibrator");
  if (table == nullptr) {
    log_info(kSource, "no [calibrator]: probabilities are the head's own");
    return;
  }
  const std::string type = s.tables().plugin_type("calibrator");
  const CalibrationGuard guard = CalibrationGuard::read(*table);
  auto calibrator = s.registry().create<Calibrator>(type, s.context(), *table);
  const bool current = s.is_current();
  if (current && s.has_metrics() && s.metrics().value("kept_uncalibrated", false)) {
    log_info(kSource, "up to date: uncalibrated (cross-validation on a small validation split)");
    return s.finish();
  }
  auto saved = current ? s.saved_state("calibrator") : std::nullopt;
  if (saved) {
    log_info(kSource, "up to date: loading the fitted " + type + " calibrator");
    calibrator->load_state(*saved);
    if (auto analysis = s.saved_state(kValidationAnalysisGroup))
      s.keep_state(kValidationAnalysisGroup, *analysis);
  } else if (s.data().multi_label) {
    // Per-label calibrators fit two numbers per label: no small-validation check (that
    // guards one softmax temperature against a few hundred texts' noise).
    fit_multilabel_calibrator(s, *calibrator, type);
  } else if (!fit_single_label(s, *calibrator, type, *table, guard)) {
    return keep_uncalibrated(s, type, s.metrics()["small_validation_check"]);
  }
  s.keep_state("calibrator", calibrator->state());
  s.manifest().components.push_back({"calibrator", "calibrator", type,
                                     s.registry().find("calibrator", type).version, "",
                                     "calibrator", options_without_type(*table)});
  ModelOutput& model = s.model();
  model.pipeline().set_calibrator(std::move(calibrator));
  model.outputs_changed();  // probabilities changed
  s.write_state_file();
  s.finish();
}

}  // namespace rubrika::detail
