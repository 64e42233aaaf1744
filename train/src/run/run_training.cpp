#include <rubrika/train/run_training.hpp>

#include "recipe_changes.hpp"
#include "stage_run.hpp"

#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/log.hpp>
#include <rubrika/progress.hpp>
#include <rubrika/train/communicator.hpp>
#include <rubrika/train/recipe_check.hpp>
#include <rubrika/utc_time.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace rubrika {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "train";

// The function of each stage in stage_inputs() (train/src/stage_inputs.cpp).
detail::StageFn stage_function(const std::string& name) {
  static const std::map<std::string, detail::StageFn> functions = {
      {"data", &detail::run_data_stage},
      {"baseline", &detail::run_baseline_stage},
      {"vocab", &detail::run_vocab_stage},
      {"pretrain", &detail::run_pretrain_stage},
      {"classifier", &detail::run_classifier_stage},
      {"calibrate", &detail::run_calibrate_stage},
      {"thresholds", &detail::run_thresholds_stage},
      {"ood", &detail::run_ood_stage},
      {"reranker", &detail::run_reranker_stage},
      {"report", &detail::run_report_stage}};
  return functions.at(name);
}

}  // namespace

const std::vector<std::string>& training_stages() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& stage : stage_inputs()) out.push_back(stage.name);
    return out;
  }();
  return names;
}

namespace {

void check_stage_names(const TrainRequest& request) {
  for (const auto& name : request.stages)
    if (std::find(training_stages().begin(), training_stages().end(), name) ==
        training_stages().end()) {
      std::string known;
      for (const auto& stage : training_stages()) known += (known.empty() ? "" : ", ") + stage;
      throw InputError("unknown stage '" + name + "'", "--stages", "stages are " + known);
    }
}

// Index of the last stage to run: later stages need what earlier ones produce, so every
// stage up to the last selected one runs; stages that are current just load their outputs.
size_t last_stage(const TrainRequest& request) {
  const auto& stages = stage_inputs();
  if (request.stages.empty()) return stages.size() - 1;
  size_t last = 0;
  for (size_t i = 0; i < stages.size(); ++i)
    if (std::find(request.stages.begin(), request.stages.end(), stages[i].name) !=
        request.stages.end())
      last = i;
  return last;
}

size_t stage_index(const std::string& name) {
  const auto& stages = stage_inputs();
  for (size_t i = 0; i < stages.size(); ++i)
    if (stages[i].name == name) return i;
  throw Error("no stage '" + name + "'");
}

// The driver's state: the run, every stage's output and the stamps so far.
struct Run {
  detail::RunContext context;
  detail::RunOutputs outputs;
  std::map<std::string, std::string> stamps;

  RunLayout layout() const { return context.layout(); }
};

// Runs stage i: its stamp, its function, and the stage named in any error.
void run_stage(Run& run, size_t i) {
  const auto& stage = stage_inputs()[i];
  run.stamps[stage.name] = stage_stamp(run.context.recipe, stage, run.stamps);
  detail::StageRun stage_run(run.context, stage, run.outputs, run.stamps[stage.name]);
  try {
    stage_function(stage.name)(stage_run);
  } catch (...) {
    rethrow_with_context("stage " + stage.name);
  }
}

// metrics.json of the run so far: stages that are current keep their figures of last time.
nlohmann::json started_metrics(const detail::RunContext& run) {
  nlohmann::json metrics = nlohmann::json::object();
  if (fs::exists(run.layout().metrics())) {
    std::ifstream in(run.layout().metrics());
    auto previous = nlohmann::json::parse(in, nullptr, false);
    if (previous.is_object()) metrics = previous;
  }
  metrics["format_version"] = kRunFormatVersion;
  metrics["run"] = {{"name", run.recipe.run().name},
                    {"recipe", run.recipe.file().string()},
                    {"device", run.device.str()},
                    {"started", utc_now()},
                    {"rubrika_version", RUBRIKA_VERSION_STRING}};
  return metrics;
}

// --resume continues checkpoints made under the recipe the run was started with; finishing
// them with other values would give a model of neither recipe, so a difference is refused
// (naming the keys) unless --force.
void check_resumed_recipe(const detail::RunContext& context) {
  const fs::path started = context.layout().recipe();
  if (!context.request.resume || context.request.force || !fs::exists(started)) return;
  std::ifstream in(started);
  std::ostringstream before;
  before << in.rdbuf();
  std::vector<std::string> changes;
  try {
    changes = detail::recipe_changes(before.str(), context.recipe.resolved_toml());
  } catch (...) {
    rethrow_with_context(started.string());
  }
  if (changes.empty()) return;
  std::string list;
  for (const auto& line : changes) list += "\n  " + line;
  throw InputError("--resume: the recipe differs from the one this run was started with:" + list,
                   started.string(),
                   "resume with that recipe, drop --resume to rerun the changed stages from the "
                   "start, or add --force to resume with the new values");
}

// Rank 0, or the only process: every stage, every file.
void run_as_lead(Run& run, size_t last) {
  const size_t pretrain = stage_index("pretrain");
  const detail::RunContext& context = run.context;
  nlohmann::json& metrics = run.outputs.record.metrics;
  check_resumed_recipe(context);
  if (const size_t stale = remove_stale_temporaries(context.run_dir))
    log_info(kSource, "deleted " + std::to_string(stale) +
                          " temporary file(s) that an interrupted run left in the run folder");
  write_file_atomically(run.layout().recipe(), context.recipe.resolved_toml());
  metrics = started_metrics(context);
  log_info(kSource, "run folder " + context.run_dir.string() + " on " + context.device.str());
  for (size_t i = 0; i <= last; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::string& name = stage_inputs()[i].name;
    // The workers load the data and vocabulary once they are written, then pretrain (when
    // the recipe asks) and train the classifier with rank 0.
    if (i == pretrain && context.request.communicator) context.request.communicator->barrier();
    // The report is the last stage and the page that shows when the run finished, so the
    // run's end is stamped before it is written (it takes milliseconds).
    if (name == "report") metrics["run"]["finished"] = utc_now();
    run_stage(run, i);
    metrics["timings_s"][name] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_file_atomically(run.layout().metrics(), metrics.dump(2) + "\n");
  }
  metrics["run"]["finished"] = utc_now();
  write_file_atomically(run.layout().metrics(), metrics.dump(2) + "\n");
}

// Ranks 1..W-1: wait for rank 0's data and vocabulary, load them, pretrain and train the
// classifier with it.
void run_as_worker(Run& run, size_t last) {
  const size_t pretrain = stage_index("pretrain"), classifier = stage_index("classifier");
  if (last < pretrain) return;  // nothing to train: rank 0 needs no help
  TrainRequest& request = run.context.request;
  request.communicator->barrier();
  // Rank 0 has just run data and vocab (again, under --force): load what it wrote.
  const bool force = request.force;
  request.force = false;
  run_stage(run, stage_index("data"));
  run_stage(run, stage_index("vocab"));
  request.force = force;
  run_stage(run, pretrain);
  if (last >= classifier) run_stage(run, classifier);
}

}  // namespace

fs::path run_training(const Recipe& recipe, PluginRegistry& registry, const TrainRequest& request) {
  check_stage_names(request);
  (void)check_recipe(recipe, registry);  // the whole recipe, before the first stage
  Run run{{recipe, registry, request, recipe.run().run_dir(), resolve_device(recipe.run().device)},
          {},
          {}};
  fs::create_directories(run.context.run_dir);
  if (run.context.lead())
    run_as_lead(run, last_stage(request));
  else
    run_as_worker(run, last_stage(request));
  return run.context.run_dir;
}

}  // namespace rubrika
