// Helpers the training stages share: metric tables for metrics.json, number formatting.
#pragma once

#include <rubrika/types.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rubrika::detail {

// accuracy, macro_f1, per_class {precision, recall, f1, support}, confusion {labels,
// matrix (rows = truth)} of single-label logits [n, C] against `truth`.
nlohmann::json classification_json(const std::vector<int64_t>& truth, const torch::Tensor& logits,
                                   const LabelSet& labels);

std::string format_metric(const nlohmann::json& value);

}  // namespace rubrika::detail
