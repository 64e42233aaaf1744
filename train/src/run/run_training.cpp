#include <rubrika/train/run_training.hpp>

#include "run_state.hpp"

#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/log.hpp>
#include <rubrika/progress.hpp>
#include <rubrika/train/communicator.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

namespace rubrika {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "train";

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

// The function of each stage in stage_inputs() (train/src/stage_inputs.cpp).
detail::StageFn stage_function(const std::string& name) {
  static const std::map<std::string, detail::StageFn> functions = {
      {"data", &detail::run_data_stage},
      {"baseline", &detail::run_baseline_stage},
      {"vocab", &detail::run_vocab_stage},
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

namespace detail {

bool RunState::lead() const {
  return request.communicator == nullptr || request.communicator->rank() == 0;
}

PluginContext RunState::context(const fs::path& artifact) const {
  PluginContext c;
  c.device = device;
  c.recipe_dir = recipe.folder();
  c.artifact = artifact;
  c.use = artifact.empty() ? ArtifactUse::initialise : ArtifactUse::load;
  c.labels = labels.names();
  c.seed = recipe.run().seed;
  return c;
}

bool stage_is_current(const RunState& state, const std::string& stage, const std::string& stamp,
                      const std::vector<fs::path>& outputs) {
  if (state.request.force) return false;
  const fs::path file = state.layout().stage_stamp(stage);
  if (!fs::exists(file)) return false;
  try {
    std::ifstream in(file);
    if (nlohmann::json::parse(in).value("stamp", "") != stamp) return false;
  } catch (const std::exception&) {
    return false;
  }
  return std::all_of(outputs.begin(), outputs.end(),
                     [](const fs::path& p) { return fs::exists(p); });
}

void record_stage(const RunState& state, const std::string& stage, const std::string& stamp) {
  if (!state.lead()) return;
  fs::create_directories(state.layout().stage_stamp(stage).parent_path());
  nlohmann::json json = {{"stage", stage}, {"stamp", stamp}, {"finished", utc_now()}};
  write_file_atomically(state.layout().stage_stamp(stage), json.dump(2) + "\n");
}

}  // namespace detail

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

// Runs stage i: its stamp, its function, and the stage named in any error.
void run_stage(detail::RunState& state, size_t i) {
  const auto& stage = stage_inputs()[i];
  state.stage = &stage;
  state.stamps[stage.name] = stage_stamp(state.recipe, stage, state.stamps);
  try {
    stage_function(stage.name)(state);
  } catch (...) {
    rethrow_with_context("stage " + stage.name);
  }
}

// metrics.json of the run so far: stages that are current keep their figures of last time.
nlohmann::json started_metrics(const detail::RunState& state) {
  nlohmann::json metrics = nlohmann::json::object();
  if (fs::exists(state.layout().metrics())) {
    std::ifstream in(state.layout().metrics());
    auto previous = nlohmann::json::parse(in, nullptr, false);
    if (previous.is_object()) metrics = previous;
  }
  metrics["format_version"] = kRunFormatVersion;
  metrics["run"] = {{"name", state.recipe.run().name},
                    {"recipe", state.recipe.file().string()},
                    {"device", state.device.str()},
                    {"started", utc_now()},
                    {"rubrika_version", RUBRIKA_VERSION_STRING}};
  return metrics;
}

// Rank 0, or the only process: every stage, every file.
void run_as_lead(detail::RunState& state, size_t last) {
  const size_t classifier = stage_index("classifier");
  write_file_atomically(state.layout().recipe(), state.recipe.resolved_toml());
  state.metrics = started_metrics(state);
  log_info(kSource, "run folder " + state.run_dir.string() + " on " + state.device.str());
  for (size_t i = 0; i <= last; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::string& name = stage_inputs()[i].name;
    // The workers load the data and vocabulary once they are written.
    if (i == classifier && state.request.communicator) state.request.communicator->barrier();
    // The report is the last stage and the page that shows when the run finished, so the
    // run's end is stamped before it is written (it takes milliseconds).
    if (name == "report") state.metrics["run"]["finished"] = utc_now();
    run_stage(state, i);
    state.metrics["timings_s"][name] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_file_atomically(state.layout().metrics(), state.metrics.dump(2) + "\n");
  }
  state.metrics["run"]["finished"] = utc_now();
  write_file_atomically(state.layout().metrics(), state.metrics.dump(2) + "\n");
}

// Ranks 1..W-1: wait for rank 0's data and vocabulary, load them, train the classifier.
void run_as_worker(detail::RunState& state, size_t last) {
  const size_t classifier = stage_index("classifier");
  if (last < classifier) return;  // nothing to train: rank 0 needs no help
  state.request.communicator->barrier();
  // Rank 0 has just run data and vocab (again, under --force): load what it wrote.
  const bool force = state.request.force;
  state.request.force = false;
  run_stage(state, stage_index("data"));
  run_stage(state, stage_index("vocab"));
  state.request.force = force;
  run_stage(state, classifier);
}

}  // namespace

fs::path run_training(const Recipe& recipe, PluginRegistry& registry, const TrainRequest& request) {
  check_stage_names(request);
  detail::RunState state{recipe, registry, request, recipe.run().run_dir()};
  state.device = resolve_device(recipe.run().device);
  fs::create_directories(state.run_dir);
  if (state.lead())
    run_as_lead(state, last_stage(request));
  else
    run_as_worker(state, last_stage(request));
  return state.run_dir;
}

}  // namespace rubrika
