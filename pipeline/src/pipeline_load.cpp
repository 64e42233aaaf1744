// Pipeline::load: rebuild a trained pipeline from its run folder alone.
#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/plugin_version.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/run_manifest.hpp>
#include <rubrika/state/state_file.hpp>
#include <rubrika/text/normalizer.hpp>

namespace rubrika {
namespace fs = std::filesystem;

namespace {

PluginContext context_for(const fs::path& run_dir, const ComponentRecord& c,
                          const torch::Device& device, const std::vector<std::string>& labels) {
  PluginContext context;
  context.device = device;
  context.recipe_dir = run_dir;
  // A head's artifact is a file in the run folder; other components with a recorded path
  // have their own folder. Components without one (calibrator, OOD) load from state.h5.
  if (c.kind == "head") {
    context.artifact = RunLayout(run_dir).head();
  } else if (!c.path.empty()) {
    context.artifact = run_dir / c.path;
  }
  if (!context.artifact.empty()) context.use = ArtifactUse::load;
  context.labels = labels;
  return context;
}

// Re-inserts `type` so the plugin sees the same table the recipe gave it, with a relative
// `model` (the component's own folder, see options_pointing_at) made absolute.
toml::table with_type(const ComponentRecord& c, const fs::path& run_dir) {
  toml::table table = c.options;
  table.insert_or_assign("type", c.type);
  if (const auto* model = table.get_as<std::string>("model")) {
    fs::path path(model->get());
    if (path.is_relative()) table.insert_or_assign("model", (run_dir / path).string());
  }
  return table;
}

TensorMap state_of(const state::StateReader* reader, const ComponentRecord& c,
                   const fs::path& run_dir) {
  if (c.state.empty()) return {};
  if (reader == nullptr || !reader->has(c.state))
    throw ArtifactError("state.h5 has no group '" + c.state + "' for " + c.role,
                        RunLayout(run_dir).state().string(),
                        "the run folder is incomplete; train it again");
  return reader->read_tensor_map(c.state);
}

// Builds component `c` after checking that the plugin found now has the major version that
// wrote the run folder.
template <class T>
std::unique_ptr<T> build(const PluginRegistry& registry, const ComponentRecord& c,
                         const PluginContext& context, const toml::table& options,
                         const fs::path& run_dir) {
  check_plugin_version(registry.find(PluginKind<T>::name, c.type), c.version, c.role,
                       RunLayout(run_dir).manifest().string());
  return registry.create<T>(c.type, context, options);
}

// A multi-label run's per-label thresholds ([decision] threshold_strategy, chosen on
// validation by the thresholds stage). A run trained before that stage has none: 0.5 each.
void load_label_thresholds(Pipeline& pipeline, const state::StateReader* reader,
                           const fs::path& run_dir) {
  if (reader == nullptr || !reader->has(kDecisionStateGroup)) {
    log_warn("pipeline", "no per-label thresholds in state.h5: every label uses 0.5");
    return;
  }
  const TensorMap group = reader->read_tensor_map(kDecisionStateGroup);
  const auto found = group.find("thresholds");
  if (found == group.end())
    throw ArtifactError("state.h5 group 'decision' has no 'thresholds'",
                        RunLayout(run_dir).state().string(), "train the run again");
  const at::Tensor values = found->second.to(at::kDouble).contiguous();
  std::vector<double> thresholds(values.data_ptr<double>(),
                                 values.data_ptr<double>() + values.numel());
  try {
    pipeline.set_label_thresholds(std::move(thresholds));
  } catch (const Error& e) {
    throw ArtifactError(std::string("state.h5 decision/thresholds: ") + e.what(),
                        RunLayout(run_dir).state().string(), "train the run again");
  }
}

}  // namespace

std::unique_ptr<Pipeline> Pipeline::load(const fs::path& run_dir, PluginRegistry& registry,
                                         const std::string& device_spec,
                                         const std::string& encoder_dtype) {
  const RunManifest m = read_run_manifest(run_dir);
  const torch::Device device = resolve_device(device_spec);
  auto normalizer = std::make_shared<Normalizer>(NormalizerOptions::from_toml(m.normalizer));
  std::unique_ptr<state::StateReader> reader;
  if (fs::exists(RunLayout(run_dir).state()))
    reader = std::make_unique<state::StateReader>(RunLayout(run_dir).state());

  const ComponentRecord& enc = *m.find("encoder");
  toml::table encoder_options = with_type(enc, run_dir);
  if (!encoder_dtype.empty()) encoder_options.insert_or_assign("dtype", encoder_dtype);
  auto encoder = build<Encoder>(registry, enc, context_for(run_dir, enc, device, m.labels),
                                encoder_options, run_dir);
  const ComponentRecord& hd = *m.find("head");
  PluginContext head_context = context_for(run_dir, hd, device, m.labels);
  head_context.input_size = encoder->hidden_size();
  auto head = build<Head>(registry, hd, head_context, with_type(hd, run_dir), run_dir);
  auto pipeline = std::make_unique<Pipeline>(
      [normalizer](std::string_view t) { return normalizer->normalize(t); }, LabelSet(m.labels),
      std::move(encoder), std::move(head));
  PipelineInfo info;
  info.run_name = m.run_name;
  info.recipe_hash = m.recipe_hash;
  info.format_version = m.format_version;
  info.labels = m.labels;
  std::map<std::string, std::string> label_texts;
  for (const auto& [name, text] : m.label_texts)
    if (text.is_string()) label_texts[std::string(name.str())] = text.as_string()->get();
  for (const auto& c : m.components) {
    info.stages.emplace_back(c.role, c.kind + "/" + c.type + " " + c.version);
    const PluginContext context = context_for(run_dir, c, device, m.labels);
    if (c.kind == "calibrator") {
      auto calibrator = build<Calibrator>(registry, c, context, with_type(c, run_dir), run_dir);
      calibrator->load_state(state_of(reader.get(), c, run_dir));
      pipeline->set_calibrator(std::move(calibrator));
    } else if (c.kind == "ood") {
      auto scorer = build<OodScorer>(registry, c, context, with_type(c, run_dir), run_dir);
      scorer->load_state(state_of(reader.get(), c, run_dir));
      pipeline->add_ood_scorer(c.type, std::move(scorer));
    } else if (c.kind == "reranker") {
      pipeline->set_reranker(build<Reranker>(registry, c, context, with_type(c, run_dir), run_dir),
                             label_texts);
    }
  }
  static const toml::table empty;
  pipeline->set_decision(DecisionOptions::from_toml(m.decision.empty() ? empty : m.decision));
  pipeline->set_long_text(LongTextOptions::from_toml(m.long_text));
  if (pipeline->multi_label()) load_label_thresholds(*pipeline, reader.get(), run_dir);
  info.multi_label = pipeline->multi_label();
  pipeline->set_info(std::move(info));
  log_info("pipeline", "loaded " + run_dir.string() + " (" + std::to_string(m.labels.size()) +
                           " labels, " + std::to_string(m.components.size()) + " components) on " +
                           device.str());
  return pipeline;
}

}  // namespace rubrika
