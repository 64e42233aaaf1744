#include <rubrika/train/run_training.hpp>

#include "run_state.hpp"

#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/progress.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>
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

struct Stage {
  const char* name;
  detail::StageFn run;
};

const std::vector<Stage>& stage_table() {
  // The baseline needs only the split, so it comes right after data: `--stages baseline`
  // does not pay for the classifier.
  static const std::vector<Stage> stages = {
      {"data", &detail::run_data_stage},           {"baseline", &detail::run_baseline_stage},
      {"vocab", &detail::run_vocab_stage},         {"classifier", &detail::run_classifier_stage},
      {"calibrate", &detail::run_calibrate_stage}, {"ood", &detail::run_ood_stage},
      {"reranker", &detail::run_reranker_stage},   {"report", &detail::run_report_stage}};
  return stages;
}

}  // namespace

const std::vector<std::string>& training_stages() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& s : stage_table()) out.push_back(s.name);
    return out;
  }();
  return names;
}

namespace detail {

PluginContext RunState::context(const std::string& artifact) const {
  PluginContext c;
  c.device = device;
  c.recipe_dir = recipe.folder();
  if (!artifact.empty()) c.artifact_dir = run_dir / artifact;
  c.labels = labels.names();
  c.seed = recipe.run().seed;
  return c;
}

std::string stage_stamp(const RunState& state, const std::vector<std::string>& sections,
                        const std::vector<std::string>& upstream) {
  std::ostringstream text;
  for (const auto& name : sections) {
    text << "[" << name << "]\n";
    if (const toml::table* t = state.recipe.section(name)) text << *t << "\n";
  }
  text << "seed=" << state.recipe.run().seed << "\n";
  for (const auto& stage : upstream) {
    auto found = state.stamps.find(stage);
    text << stage << "=" << (found == state.stamps.end() ? "" : found->second) << "\n";
  }
  return content_hash(text.str());
}

bool stage_is_current(const RunState& state, const std::string& stage, const std::string& stamp,
                      const std::vector<fs::path>& outputs) {
  if (state.request.force) return false;
  const fs::path file = state.run_dir / "stages" / (stage + ".json");
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
  fs::create_directories(state.run_dir / "stages");
  nlohmann::json json = {{"stage", stage}, {"stamp", stamp}, {"finished", utc_now()}};
  write_file_atomically(state.run_dir / "stages" / (stage + ".json"), json.dump(2) + "\n");
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
  write_file_atomically(state.run_dir / "recipe.toml", recipe.resolved_toml());
  // Stages that are current keep the figures they reported last time.
  if (fs::exists(state.run_dir / "metrics.json")) {
    std::ifstream in(state.run_dir / "metrics.json");
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
  const auto& stages = stage_table();
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
    if (std::string(stages[i].name) == "report") state.metrics["run"]["finished"] = utc_now();
    try {
      stages[i].run(state);
    } catch (...) {
      rethrow_with_context(std::string("stage ") + stages[i].name);
    }
    state.metrics["timings_s"][stages[i].name] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_file_atomically(state.run_dir / "metrics.json", state.metrics.dump(2) + "\n");
  }
  state.metrics["run"]["finished"] = utc_now();
  write_file_atomically(state.run_dir / "metrics.json", state.metrics.dump(2) + "\n");
  return state.run_dir;
}

}  // namespace rubrika
