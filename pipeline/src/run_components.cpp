#include <rubrika/error.hpp>
#include <rubrika/plugin_version.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_components.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/state/state_file.hpp>

namespace rubrika {
namespace fs = std::filesystem;

RunComponents::RunComponents(fs::path run_dir, const RunManifest& manifest,
                             const PluginRegistry& registry, torch::Device device)
    : run_dir_(std::move(run_dir)), manifest_(manifest), registry_(registry), device_(device) {
  if (fs::exists(RunLayout(run_dir_).state()))
    reader_ = std::make_unique<state::StateReader>(RunLayout(run_dir_).state());
}

RunComponents::~RunComponents() = default;

PluginContext RunComponents::context(const ComponentRecord& c) const {
  PluginContext context;
  context.device = device_;
  context.recipe_dir = run_dir_;
  // The base head's artifact is head.safetensors; other components with a recorded path
  // (encoder/, reranker/, an extension's heads/added-<n>.safetensors) name it themselves.
  // Components without one (calibrator, OOD) load from state.h5.
  if (c.role == "head") {
    context.artifact = RunLayout(run_dir_).head();
  } else if (!c.path.empty()) {
    context.artifact = run_dir_ / c.path;
  }
  if (!context.artifact.empty()) context.use = ArtifactUse::load;
  // A part of an extended run's head or calibrator knows only its own columns' labels.
  context.labels = c.labels.empty() ? manifest_.labels : c.labels;
  return context;
}

// `type` is put back so the plugin sees the table the recipe gave it, with a relative
// `model` (the component's own folder, see options_pointing_at) made absolute.
toml::table RunComponents::options(const ComponentRecord& c) const {
  toml::table table = c.options;
  table.insert_or_assign("type", c.type);
  if (const auto* model = table.get_as<std::string>("model")) {
    fs::path path(model->get());
    if (path.is_relative()) table.insert_or_assign("model", (run_dir_ / path).string());
  }
  return table;
}

// After checking that the plugin found now has the major version that wrote the run folder.
template <class T>
std::unique_ptr<T> RunComponents::build(const ComponentRecord& c, const PluginContext& context,
                                        const toml::table& options) const {
  check_plugin_version(registry_.find(PluginKind<T>::name, c.type), c.version, c.role,
                       RunLayout(run_dir_).manifest().string());
  return registry_.create<T>(c.type, context, options);
}

std::unique_ptr<Encoder> RunComponents::encoder(const ComponentRecord& c,
                                                const std::string& encoder_dtype) const {
  toml::table table = options(c);
  if (!encoder_dtype.empty()) table.insert_or_assign("dtype", encoder_dtype);
  return build<Encoder>(c, context(c), table);
}

std::unique_ptr<Head> RunComponents::head(const ComponentRecord& c, int64_t input_size) const {
  PluginContext head_context = context(c);
  head_context.input_size = input_size;
  return build<Head>(c, head_context, options(c));
}

std::unique_ptr<Calibrator> RunComponents::calibrator(const ComponentRecord& c) const {
  auto calibrator = build<Calibrator>(c, context(c), options(c));
  calibrator->load_state(state(c));
  return calibrator;
}

std::unique_ptr<OodScorer> RunComponents::ood_scorer(const ComponentRecord& c) const {
  auto scorer = build<OodScorer>(c, context(c), options(c));
  scorer->load_state(state(c));
  return scorer;
}

std::unique_ptr<Reranker> RunComponents::reranker(const ComponentRecord& c) const {
  return build<Reranker>(c, context(c), options(c));
}

TensorMap RunComponents::state(const ComponentRecord& c) const {
  if (c.state.empty()) return {};
  if (reader_ == nullptr || !reader_->has(c.state))
    throw ArtifactError("state.h5 has no group '" + c.state + "' for " + c.role,
                        RunLayout(run_dir_).state().string(),
                        "the run folder is incomplete; train it again");
  return reader_->read_tensor_map(c.state);
}

std::vector<const ComponentRecord*> RunComponents::records(const std::string& kind) const {
  std::vector<const ComponentRecord*> out;
  for (const auto& c : manifest_.components)
    if (c.kind == kind) out.push_back(&c);
  return out;
}

}  // namespace rubrika
