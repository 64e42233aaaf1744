#include <rubrika/train/run_training.hpp>

#include "run_state.hpp"

#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/log.hpp>
#include <rubrika/progress.hpp>

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
  fs::create_directories(state.layout().stage_stamp(stage).parent_path());
  nlohmann::json json = {{"stage", stage}, {"stamp", stamp}, {"finished", utc_now()}};
  write_file_atomically(state.layout().stage_stamp(stage), json.dump(2) + "\n");
}

}  // namespace detail

fs::path run_training(const Recipe& recipe, PluginRegistry& registry, const TrainRequest& request) {
  for (const auto& name : request.stages)
    if (std::find(training_stages().begin(), training_stages().end(), name) ==
        training_stages().end()) {
      std::string known;
      for (const auto& stage : training_stages()) known += (known.empty() ? "" : ", ") + stage;
      throw InputError("unknown stage '" + name + "'", "--stages", "stages are " + known);
    }
  detail::RunState state{recipe, registry, request, recipe.run().run_dir()};
  state.device = resolve_device(recipe.run().device);
  fs::create_directories(state.run_dir);
  write_file_atomically(state.layout().recipe(), recipe.resolved_toml());
  // Stages that are current keep the figures they reported last time.
  if (fs::exists(state.layout().metrics())) {
    std::ifstream in(state.layout().metrics());
    auto previous = nlohmann::json::parse(in, nullptr, false);
    if (previous.is_object()) state.metrics = previous;
  }
  state.metrics["format_version"] = kRunFormatVersion;
  state.metrics["run"] = {{"name", recipe.run().name},
                          {"recipe", recipe.file().string()},
                          {"device", state.device.str()},
                          {"started", utc_now()},
                          {"rubrika_version", RUBRIKA_VERSION_STRING}};
  log_info(kSource, "run folder " + state.run_dir.string() + " on " + state.device.str());

  // Later stages need what earlier ones produce, so every stage up to the last selected
  // one runs; stages that are current just load their outputs.
  const auto& stages = stage_inputs();
  size_t last = stages.size() - 1;
  if (!request.stages.empty()) {
    last = 0;
    for (size_t i = 0; i < stages.size(); ++i)
      if (std::find(request.stages.begin(), request.stages.end(), stages[i].name) !=
          request.stages.end())
        last = i;
  }
  for (size_t i = 0; i <= last; ++i) {
    const auto start = std::chrono::steady_clock::now();
    // The report is the last stage and the page that shows when the run finished, so the
    // run's end is stamped before it is written (it takes milliseconds).
    if (stages[i].name == "report") state.metrics["run"]["finished"] = utc_now();
    state.stage = &stages[i];
    state.stamps[stages[i].name] = stage_stamp(recipe, stages[i], state.stamps);
    try {
      stage_function(stages[i].name)(state);
    } catch (...) {
      rethrow_with_context("stage " + stages[i].name);
    }
    state.metrics["timings_s"][stages[i].name] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_file_atomically(state.layout().metrics(), state.metrics.dump(2) + "\n");
  }
  state.metrics["run"]["finished"] = utc_now();
  write_file_atomically(state.layout().metrics(), state.metrics.dump(2) + "\n");
  return state.run_dir;
}

}  // namespace rubrika
