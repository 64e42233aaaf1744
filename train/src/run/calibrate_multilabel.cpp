#include "calibrate_multilabel.hpp"

#include "stage_common.hpp"

#include <rubrika/log.hpp>
#include <rubrika/metrics/multilabel_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/multilabel_evaluation.hpp>

#include <ATen/ATen.h>

namespace rubrika::detail {
namespace {

constexpr const char* kSource = "calibrate";

// [n, labels] float 0/1: what a multi-label calibrator is fitted against.
at::Tensor label_matrix(const LabelledTexts& split, int64_t labels) {
  std::vector<float> flat;
  flat.reserve(split.size() * static_cast<size_t>(labels));
  for (const auto& row : split.multi_hot) flat.insert(flat.end(), row.begin(), row.end());
  return at::tensor(flat, at::kFloat).view({static_cast<int64_t>(split.size()), labels});
}

nlohmann::json figures_json(const metrics::BinaryCalibration& c) {
  return {{"ece", c.ece}, {"nll", c.nll}, {"brier", c.brier}};
}

// Per label and on average over labels: ECE, NLL and Brier of `before` and `after`.
nlohmann::json per_label_calibration(const LabelSet& labels,
                                     const std::vector<std::vector<double>>& before,
                                     const std::vector<std::vector<double>>& after,
                                     const std::vector<std::vector<bool>>& truth) {
  nlohmann::json per_label = nlohmann::json::object();
  nlohmann::json mean_before = {{"ece", 0.0}, {"nll", 0.0}, {"brier", 0.0}};
  nlohmann::json mean_after = mean_before;
  const auto n = static_cast<double>(labels.size());
  for (int64_t j = 0; j < labels.size(); ++j) {
    const auto at = static_cast<size_t>(j);
    const std::vector<bool> y = label_column(truth, at);
    const auto b = figures_json(metrics::binary_calibration(label_column(before, at), y));
    const auto a = figures_json(metrics::binary_calibration(label_column(after, at), y));
    per_label[labels.name(j)] = {{"before", b}, {"after", a}};
    for (const char* key : {"ece", "nll", "brier"}) {
      mean_before[key] = mean_before[key].get<double>() + b[key].get<double>() / n;
      mean_after[key] = mean_after[key].get<double>() + a[key].get<double>() / n;
    }
  }
  return {{"before", mean_before}, {"after", mean_after}, {"per_label", per_label}};
}

}  // namespace

void fit_multilabel_calibrator(StageRun& s, Calibrator& calibrator, const std::string& type) {
  const DataOutput& data = s.data();
  const ForwardResult& validation = s.forward("validation");
  const at::Tensor validation_labels = label_matrix(data.validation, data.labels.size());
  s.keep_state(kValidationAnalysisGroup,
               {{"logits", validation.logits.contiguous()}, {"labels", validation_labels}});
  std::map<std::string, double> figures = calibrator.fit(validation.logits, validation_labels);
  const ForwardResult& test = s.forward("test");
  nlohmann::json out = per_label_calibration(
      data.labels, metrics::to_rows(at::sigmoid(test.logits)),
      metrics::to_rows(calibrator.probabilities(test.logits)), truth_rows(data.test.multi_hot));
  out.update(
      {{"calibrator", type}, {"multi_label", true}, {"fit", figures}, {"evaluated_on", "test"}});
  s.metrics() = out;
  log_info(kSource, "test ECE (mean over labels) " + format_metric(out["before"]["ece"]) + " → " +
                        format_metric(out["after"]["ece"]) + ", NLL " +
                        format_metric(out["before"]["nll"]) + " → " +
                        format_metric(out["after"]["nll"]));
}

}  // namespace rubrika::detail
