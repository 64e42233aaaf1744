// Helpers the training stages share: metric tables for metrics.json, number formatting.
#pragma once

#include <rubrika/types.hpp>

#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace rubrika::detail {

// accuracy, macro_f1, per_class {precision, recall, f1, support}, confusion {labels,
// matrix (rows = truth)} of single-label logits [n, C] against `truth`.
// Multi-label figures of the head's own sigmoids at 0.5 (p >= 0.5): per label precision,
// recall, F1 and support; micro- and macro-F1; subset accuracy as "accuracy".
// multi_hot[i] holds one 0/1 value per label; logits [n, labels].
nlohmann::json multilabel_json(const std::vector<std::vector<float>>& multi_hot,
                               const torch::Tensor& logits, const LabelSet& labels);

nlohmann::json classification_json(const std::vector<int64_t>& truth, const torch::Tensor& logits,
                                   const LabelSet& labels);

std::string format_metric(const nlohmann::json& value);

// Reads a trainer's train_log.jsonl into the "history" (step lines) and "evaluations" arrays
// of `out` (a stage's part of metrics.json).
void add_training_curves(const std::filesystem::path& log_file, nlohmann::json& out);

// A component's recipe table for pipeline.toml, made independent of where the run folder
// lives: without `type`, and — for tables that load a model from `model` or build one from
// `init` — `model` set to the artifact folder, a path relative to pipeline.toml.
toml::table options_pointing_at(const toml::table& table, const std::string& artifact);

}  // namespace rubrika::detail
