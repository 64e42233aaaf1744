// Pipeline::load: rebuild a trained pipeline from its run folder alone.
#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/extended_head.hpp>
#include <rubrika/log.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_components.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/run_manifest.hpp>
#include <rubrika/state/state_file.hpp>
#include <rubrika/text/normalizer.hpp>

namespace rubrika {
namespace fs = std::filesystem;

namespace {

// The run's head: its one head, or for an extended run (head + head.added.<n>) the parts
// gathered by label (rubrika/extended_head.hpp).
std::unique_ptr<Head> build_head(const RunComponents& components, const RunManifest& m,
                                 int64_t input_size) {
  std::vector<LabelledPart<Head>> parts;
  for (const ComponentRecord* c : components.records("head"))
    parts.push_back({components.head(*c, input_size), components.context(*c).labels, false});
  if (parts.size() == 1 && parts.front().labels == m.labels)
    return std::move(parts.front().component);
  return std::make_unique<ExtendedHead>(std::move(parts), m.labels);
}

// The run's calibrator (nullptr when none), with its fitted state; parts like build_head.
std::unique_ptr<Calibrator> build_calibrator(const RunComponents& components,
                                             const RunManifest& m) {
  std::vector<LabelledPart<Calibrator>> parts;
  for (const ComponentRecord* c : components.records("calibrator"))
    parts.push_back({components.calibrator(*c), components.context(*c).labels, false});
  if (parts.empty()) return nullptr;
  if (parts.size() == 1 && parts.front().labels == m.labels)
    return std::move(parts.front().component);
  return std::make_unique<ExtendedCalibrator>(std::move(parts), m.labels);
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
  const RunComponents components(run_dir, m, registry, device);
  auto normalizer = std::make_shared<Normalizer>(NormalizerOptions::from_toml(m.normalizer));
  auto encoder = components.encoder(*m.find("encoder"), encoder_dtype);
  auto head = build_head(components, m, encoder->hidden_size());
  auto pipeline = std::make_unique<Pipeline>(
      [normalizer](std::string_view t) { return normalizer->normalize(t); }, LabelSet(m.labels),
      std::move(encoder), std::move(head));
  PipelineInfo info;
  info.run_name = m.run_name;
  info.recipe_hash = m.recipe_hash;
  info.format_version = m.format_version;
  info.labels = m.labels;
  info.run_dir = fs::absolute(run_dir).lexically_normal().string();
  info.run_id = run_manifest_id(run_dir);
  info.lineage = m.lineage;
  std::map<std::string, std::string> label_texts;
  for (const auto& [name, text] : m.label_texts)
    if (text.is_string()) label_texts[std::string(name.str())] = text.as_string()->get();
  for (const auto& c : m.components) {
    info.stages.emplace_back(c.role, c.kind + "/" + c.type + " " + c.version);
    if (c.kind == "ood") pipeline->add_ood_scorer(c.type, components.ood_scorer(c));
    if (c.kind == "reranker") pipeline->set_reranker(components.reranker(c), label_texts);
  }
  if (auto calibrator = build_calibrator(components, m))
    pipeline->set_calibrator(std::move(calibrator));
  static const toml::table empty;
  pipeline->set_decision(DecisionOptions::from_toml(m.decision.empty() ? empty : m.decision));
  pipeline->set_long_text(LongTextOptions::from_toml(m.long_text));
  if (pipeline->multi_label()) load_label_thresholds(*pipeline, components.state_reader(), run_dir);
  info.multi_label = pipeline->multi_label();
  pipeline->set_info(std::move(info));
  log_info("pipeline", "loaded " + run_dir.string() + " (" + std::to_string(m.labels.size()) +
                           " labels, " + std::to_string(m.components.size()) + " components) on " +
                           device.str());
  return pipeline;
}

}  // namespace rubrika
