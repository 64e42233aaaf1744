#include "stage_common.hpp"

#include <rubrika/error.hpp>

#include <ATen/ATen.h>

#include <cstdio>

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
  const int64_t n = logits.size(0), classes = labels.size();
  if (n != static_cast<int64_t>(multi_hot.size()))
    throw Error("evaluation: " + std::to_string(n) + " predictions for " +
                std::to_string(multi_hot.size()) + " texts");
  const at::Tensor predicted = (logits > 0).to(at::kCPU).contiguous();
  const bool* p = predicted.data_ptr<bool>();
  std::vector<int64_t> tp(static_cast<size_t>(classes)), fp(tp.size()), fn(tp.size());
  int64_t exact = 0;
  for (int64_t i = 0; i < n; ++i) {
    bool all_right = true;
    for (int64_t c = 0; c < classes; ++c) {
      const bool truth = multi_hot[static_cast<size_t>(i)][static_cast<size_t>(c)] > 0.5f;
      const bool on = p[i * classes + c];
      tp[static_cast<size_t>(c)] += truth && on;
      fp[static_cast<size_t>(c)] += !truth && on;
      fn[static_cast<size_t>(c)] += truth && !on;
      all_right &= truth == on;
    }
    exact += all_right;
  }
  auto f1_of = [](double t, double f_p, double f_n) {
    return t + f_p + f_n > 0 ? 2 * t / (2 * t + f_p + f_n) : 0.0;
  };
  nlohmann::json per_class = nlohmann::json::object();
  double f1_sum = 0, all_tp = 0, all_fp = 0, all_fn = 0;
  for (int64_t c = 0; c < classes; ++c) {
    const auto t = static_cast<double>(tp[static_cast<size_t>(c)]);
    const auto f_p = static_cast<double>(fp[static_cast<size_t>(c)]);
    const auto f_n = static_cast<double>(fn[static_cast<size_t>(c)]);
    const double f1 = f1_of(t, f_p, f_n);
    per_class[labels.name(c)] = {{"precision", t + f_p > 0 ? t / (t + f_p) : 0.0},
                                 {"recall", t + f_n > 0 ? t / (t + f_n) : 0.0},
                                 {"f1", f1},
                                 {"support", t + f_n}};
    f1_sum += f1;
    all_tp += t;
    all_fp += f_p;
    all_fn += f_n;
  }
  return {{"n", n},
          {"threshold", 0.5},
          {"accuracy", n ? static_cast<double>(exact) / static_cast<double>(n) : 0.0},
          {"micro_f1", f1_of(all_tp, all_fp, all_fn)},
          {"macro_f1", classes ? f1_sum / static_cast<double>(classes) : 0.0},
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

}  // namespace rubrika::detail
