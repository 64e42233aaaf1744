// What a stage of `rubrika train` is given and what it gives back (private to train/src).
//
// The driver (run_training.cpp) owns the run: its context, fixed before the first stage, and
// the RunOutputs every stage adds to. A stage sees them only through a StageRun, which hands
// out what the stage declared in stage_inputs() and nothing else:
//   inputs   the recipe tables it declared (tables()) and the outputs of the upstream stages
//            it declared (data(), trained_encoder_table(), model()); any other is an error;
//   outputs  its own product (set_data, set_encoder_table, set_model, or a component
//            installed in the model), its key of metrics.json (metrics()), state.h5 groups,
//            its part of pipeline.toml (manifest()), and its resume stamp (finish()).
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

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace rubrika::detail {

// The data stage's output: the normalised texts of every split and what describes them.
struct DataOutput {
  std::function<std::string(std::string_view)> normalize;
  toml::table normalizer_options;
  LabelSet labels;
  LabelledTexts train, validation, test;
  std::vector<std::string> ood_texts;  // normalised out-of-domain texts, if any
  std::map<std::string, std::string> label_descriptions;
  bool multi_label = false;
};

// The classifier stage's output: the pipeline, which calibrate, thresholds, ood and reranker
// complete, with its forward passes over each split (computed once per pipeline state).
class ModelOutput {
 public:
  explicit ModelOutput(std::unique_ptr<Pipeline> pipeline) : pipeline_(std::move(pipeline)) {}

  // For running it and installing components. Call outputs_changed() when a component
  // changes what forward() gives (a calibrator changes the probabilities).
  Pipeline& pipeline() { return *pipeline_; }
  void outputs_changed() { forward_cache_.clear(); }
  // The forward pass over "train", "validation", "test" or "ood", cached.
  const ForwardResult& forward(const std::string& split, const DataOutput& data);

 private:
  std::unique_ptr<Pipeline> pipeline_;
  std::map<std::string, ForwardResult> forward_cache_;
};

// What the run writes beside the artifacts, filled stage by stage.
struct RunRecord {
  nlohmann::json metrics = nlohmann::json::object();  // metrics.json
  RunManifest manifest;                               // pipeline.toml
  std::map<std::string, TensorMap> state_groups;      // state.h5 (with the labels)
};

// Every stage's output, owned by the driver.
struct RunOutputs {
  std::optional<DataOutput> data;
  // [encoder] with the vocab stage's vocabulary, then pointing at the pretrained encoder
  std::optional<toml::table> encoder_table;
  std::optional<ModelOutput> model;
  RunRecord record;
};

// The run as every stage sees it, fixed before the first stage.
struct RunContext {
  const Recipe& recipe;
  PluginRegistry& registry;
  TrainRequest request;
  std::filesystem::path run_dir;
  torch::Device device = c10::kCPU;

  RunLayout layout() const { return RunLayout(run_dir); }
  // Rank 0 of a data-parallel run, or the only process: the one that writes files.
  bool lead() const;
};

class StageRun {
 public:
  StageRun(const RunContext& run, const StageInputs& stage, RunOutputs& outputs, std::string stamp)
      : run_(run), stage_(stage), outputs_(outputs), stamp_(std::move(stamp)) {}

  const RunContext& run() const { return run_; }
  const Recipe& recipe() const { return run_.recipe; }
  PluginRegistry& registry() const { return run_.registry; }
  const TrainRequest& request() const { return run_.request; }
  RunLayout layout() const { return run_.layout(); }
  bool lead() const { return run_.lead(); }
  // The context for building a component: fresh (no artifact), or loading `artifact`.
  PluginContext context(const std::filesystem::path& artifact = {}) const;

  // Inputs: the declared recipe tables and upstream outputs.
  StageRecipe tables() const { return StageRecipe(run_.recipe, stage_); }
  // The recipe's [decision] table read (defaults when the recipe has none).
  DecisionOptions decision_options() const;
  const DataOutput& data() const;
  // [encoder] as the vocab and pretrain stages left it (a trained vocabulary, a pretrained
  // model), or nullptr when the run has neither [vocab] nor [pretrain].
  const toml::table* trained_encoder_table() const;
  ModelOutput& model() const;
  const ForwardResult& forward(const std::string& split) const;

  // Outputs.
  void set_data(DataOutput data);
  void set_encoder_table(toml::table table);
  void set_model(ModelOutput model);
  // This stage's part of metrics.json (null until it writes it; left from an earlier run of
  // this folder when the stage is current).
  nlohmann::json& metrics() const;
  bool has_metrics() const { return !metrics().is_null(); }
  void drop_metrics() const;
  RunManifest& manifest() const { return outputs_.record.manifest; }
  void keep_state(const std::string& group, TensorMap tensors) const;
  // A group of the existing state.h5, or nullopt when the file or group is missing.
  std::optional<TensorMap> saved_state(const std::string& group) const;
  // Writes state.h5 (labels + every group kept so far) atomically.
  void write_state_file() const;
  // Writes metrics.json as it stands, atomically.
  void write_metrics_file() const;

  // Resume: true when stages/<stage>.json holds this stage's stamp, every file it declares
  // exists and the run is not forced.
  bool is_current() const;
  // Records the stamp: the stage's outputs are complete.
  void finish() const;

 private:
  void check_input(const char* stage) const;
  void check_output(const char* stage) const;
  const RunContext& run_;
  const StageInputs& stage_;
  RunOutputs& outputs_;
  std::string stamp_;
};

// A stage: reads its inputs from and writes its outputs to the StageRun.
using StageFn = void (*)(StageRun&);

void run_data_stage(StageRun& s);
void run_baseline_stage(StageRun& s);
void run_vocab_stage(StageRun& s);
void run_pretrain_stage(StageRun& s);
void run_classifier_stage(StageRun& s);
void run_calibrate_stage(StageRun& s);
void run_thresholds_stage(StageRun& s);
void run_ood_stage(StageRun& s);
void run_reranker_stage(StageRun& s);
void run_report_stage(StageRun& s);

}  // namespace rubrika::detail
