// What the training stages share while `rubrika train` runs (private to train/src).
#pragma once

#include <rubrika/pipeline.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/run_manifest.hpp>
#include <rubrika/train/classifier_task.hpp>
#include <rubrika/train/run_training.hpp>
#include <rubrika/train/stage_inputs.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

namespace rubrika::detail {

struct RunState {
  const Recipe& recipe;
  PluginRegistry& registry;
  TrainRequest request;
  std::filesystem::path run_dir;
  torch::Device device = c10::kCPU;

  nlohmann::json metrics = nlohmann::json::object();  // becomes metrics.json
  RunManifest manifest;

  // data stage
  std::function<std::string(std::string_view)> normalize;
  toml::table normalizer_options;
  LabelSet labels;
  LabelledTexts train, validation, test;
  std::vector<std::string> ood_texts;  // normalised out-of-domain texts, if any
  std::map<std::string, std::string> label_descriptions;
  bool multi_label = false;

  // vocab stage: the encoder table with a trained vocabulary filled in
  toml::table encoder_options;

  // classifier stage onwards
  std::unique_ptr<Pipeline> pipeline;

  // Fitted state of calibrator and OOD scorers: written to state.h5 at the end.
  std::map<std::string, TensorMap> state_groups;
  // Forward passes over each split with the current pipeline (cleared when it changes).
  std::map<std::string, ForwardResult> forward_cache;

  // Stamps: a stage's inputs hash, chained through the stages it depends on.
  std::map<std::string, std::string> stamps;

  // The stage now running, with what it declared it reads (set by run_training).
  const StageInputs* stage = nullptr;
  // The recipe tables the running stage declared; reading another one is an error.
  StageRecipe tables() const { return StageRecipe(recipe, *stage); }
  // The context for building a component: fresh (no artifact), or loading `artifact`.
  PluginContext context(const std::filesystem::path& artifact = {}) const;
  RunLayout layout() const { return RunLayout(run_dir); }
  // Rank 0 of a data-parallel run, or the only process: the one that writes files.
  bool lead() const;
};

// The pipeline's forward pass over a split ("train", "validation", "test", "ood"), cached.
const ForwardResult& forward_split(RunState& state, const std::string& split);
// The recipe's [decision] table read once per stage (defaults when the recipe has none); the
// running stage must declare "decision".
DecisionOptions decision_options(const RunState& state);
// A group of the existing state.h5, or nullopt when the file or group is missing.
std::optional<TensorMap> read_state_group(const RunState& state, const std::string& group);
// Writes state.h5 (labels + every state group) atomically.
void write_state_file(const RunState& state);

// A stage: runs (or loads) and fills RunState.
using StageFn = void (*)(RunState&);

void run_data_stage(RunState& state);
void run_baseline_stage(RunState& state);
void run_vocab_stage(RunState& state);
void run_classifier_stage(RunState& state);
void run_calibrate_stage(RunState& state);
void run_thresholds_stage(RunState& state);
void run_ood_stage(RunState& state);
void run_reranker_stage(RunState& state);
void run_report_stage(RunState& state);

// True when stages/<stage>.json holds `stamp` and every output exists (and not forced).
bool stage_is_current(const RunState& state, const std::string& stage, const std::string& stamp,
                      const std::vector<std::filesystem::path>& outputs);
void record_stage(const RunState& state, const std::string& stage, const std::string& stamp);

}  // namespace rubrika::detail
