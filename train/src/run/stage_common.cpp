#include "stage_common.hpp"

#include <rubrika/error.hpp>
#include <rubrika/metrics/multilabel_metrics.hpp>
#include <rubrika/metrics/tensor_rows.hpp>
#include <rubrika/multilabel_evaluation.hpp>

#include <ATen/ATen.h>

#include <cstdio>
#include <fstream>

namespace rubrika::detail {

nlohmann::json classification_json(const std::vector<int64_t>& truth, const torch::Tensor& logits,
                                   const LabelSet& labels) {
  const int64_t classes = labels.size();
  if (logits.size(0) != static_cast<int64_t>(truth.size()))
    throw Error("evaluation: " + std::to_string(logits.size(0)) + " predictions for " +
                std::to_string(truth.size()) + " texts");
  at::Tensor predicted = logits.argmax(1).to(at::kCPU).contiguous();
  const int64_t* p = predicted.data_ptr<int64_t>();
  std::vector<std::vector<int64_t>> confusion(
      static_cast<size_t>(classes), std::vector<int64_t>(static_cast<size_t>(classes), 0));
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    confusion[static_cast<size_t>(truth[i])][static_cast<size_t>(p[i])] += 1;
    correct += truth[i] == p[i];
  }
  nlohmann::json per_class = nlohmann::json::object();
  double f1_sum = 0;
  int64_t present = 0;
  for (int64_t c = 0; c < classes; ++c) {
    int64_t tp = confusion[static_cast<size_t>(c)][static_cast<size_t>(c)], row = 0, column = 0;
    for (int64_t j = 0; j < classes; ++j) {
      row += confusion[static_cast<size_t>(c)][static_cast<size_t>(j)];
      column += confusion[static_cast<size_t>(j)][static_cast<size_t>(c)];
    }
    const double precision = column ? static_cast<double>(tp) / static_cast<double>(column) : 0.0;
    const double recall = row ? static_cast<double>(tp) / static_cast<double>(row) : 0.0;
    const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    per_class[labels.name(c)] = {
        {"precision", precision}, {"recall", recall}, {"f1", f1}, {"support", row}};
    if (row + column > 0) {  // classes absent from truth and predictions do not count
      f1_sum += f1;
      ++present;
    }
  }
  return {{"n", truth.size()},
          {"accuracy",
           truth.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(truth.size())},
          {"macro_f1", present ? f1_sum / static_cast<double>(present) : 0.0},
          {"per_class", per_class},
          {"confusion", {{"labels", labels.names()}, {"matrix", confusion}}}};
}

nlohmann::json multilabel_json(const std::vector<std::vector<float>>& multi_hot,
                               const torch::Tensor& logits, const LabelSet& labels) {
  if (logits.size(0) != static_cast<int64_t>(multi_hot.size()))
    throw Error("evaluation: " + std::to_string(logits.size(0)) + " predictions for " +
                std::to_string(multi_hot.size()) + " texts");
  const std::vector<std::vector<bool>> truth = truth_rows(multi_hot);
  const auto probabilities = metrics::to_rows(at::sigmoid(logits.to(at::kFloat)));
  const std::vector<double> half(static_cast<size_t>(labels.size()), 0.5);
  const metrics::LabelSetFigures figures =
      metrics::label_set_figures(labels_on(probabilities, half), truth);
  nlohmann::json per_class = nlohmann::json::object();
  for (int64_t c = 0; c < labels.size(); ++c) {
    const auto j = static_cast<size_t>(c);
    const metrics::BinaryCounts counts =
        metrics::binary_counts(label_column(probabilities, j), label_column(truth, j), 0.5);
    per_class[labels.name(c)] = {{"precision", counts.precision()},
                                 {"recall", counts.recall()},
                                 {"f1", counts.f1()},
                                 {"support", counts.tp + counts.fn}};
  }
  return {{"n", truth.size()},
          {"threshold", 0.5},
          {"accuracy", figures.subset_accuracy},
          {"micro_f1", figures.micro_f1},
          {"macro_f1", figures.macro_f1},
          {"per_class", per_class}};
}

toml::table options_pointing_at(const toml::table& table, const std::string& artifact) {
  toml::table options = table;
  options.erase("type");
  if (options.contains("model") || options.contains("init")) {
    options.erase("init");
    options.insert_or_assign("model", artifact);
  }
  return options;
}

std::string format_metric(const nlohmann::json& value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4f", value.is_number() ? value.get<double>() : 0.0);
  return buffer;
}

void add_training_curves(const std::filesystem::path& log_file, nlohmann::json& out) {
  out["history"] = nlohmann::json::array();
  out["evaluations"] = nlohmann::json::array();
  std::ifstream in(log_file);
  std::string line;
  while (std::getline(in, line)) {
    auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded()) continue;
    if (entry.contains("eval")) {
      nlohmann::json e = entry["eval"];
      e["step"] = entry["step"];
      e["epoch"] = entry["epoch"];
      out["evaluations"].push_back(e);
    } else {
      out["history"].push_back(entry);
    }
  }
}

}  // namespace rubrika::detail
