#include "checkpoint.hpp"

#include <rubrika/error.hpp>

#include <fstream>

namespace rubrika::detail {
namespace fs = std::filesystem;

void save_model_weights(const NamedParameters& parameters, const fs::path& file) {
  torch::serialize::OutputArchive archive;
  for (const auto& [name, tensor] : parameters) archive.write(name, tensor.detach().cpu());
  archive.save_to(file.string());
}

void load_model_weights(const NamedParameters& parameters, const fs::path& file) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const std::exception& e) {
    throw ArtifactError(std::string("cannot read model weights: ") + e.what(), file.string());
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : parameters) {
    torch::Tensor saved;
    if (!archive.try_read(name, saved))
      throw ArtifactError("checkpoint has no weight '" + name + "'", file.string(),
                          "the checkpoint belongs to another model; delete it or drop --resume");
    if (saved.sizes() != tensor.sizes())
      throw ArtifactError("checkpoint weight '" + name + "' has another shape", file.string());
    tensor.copy_(saved);
  }
}

void replace_folder(const fs::path& staged, const fs::path& target) {
  fs::path old = target;
  old += ".old";
  fs::remove_all(old);
  if (fs::exists(target)) fs::rename(target, old);
  fs::rename(staged, target);
  fs::remove_all(old);
}

void save_checkpoint(const fs::path& folder, const NamedParameters& parameters,
                     torch::optim::Optimizer& optimizer, const CheckpointState& state) {
  fs::path staged = folder;
  staged += ".tmp";
  fs::remove_all(staged);
  fs::create_directories(staged);
  save_model_weights(parameters, staged / "model.pt");
  torch::save(optimizer, (staged / "optimizer.pt").string());
  torch::save(at::detail::getDefaultCPUGenerator().get_state(), (staged / "rng.pt").string());
  nlohmann::json json = {{"global_step", state.global_step},
                         {"epoch", state.epoch},
                         {"batch_in_epoch", state.batch_in_epoch},
                         {"trainer", state.trainer}};
  std::ofstream(staged / "state.json") << json.dump(2) << "\n";
  replace_folder(staged, folder);
}

bool load_checkpoint(const fs::path& folder, const NamedParameters& parameters,
                     torch::optim::Optimizer& optimizer, CheckpointState& state) {
  fs::path source = folder;
  if (!fs::exists(source / "state.json")) {
    source += ".old";
    if (!fs::exists(source / "state.json")) return false;
  }
  nlohmann::json json;
  try {
    std::ifstream in(source / "state.json");
    json = nlohmann::json::parse(in);
    state.global_step = json.at("global_step").get<int64_t>();
    state.epoch = json.at("epoch").get<int64_t>();
    state.batch_in_epoch = json.at("batch_in_epoch").get<int64_t>();
    state.trainer = json.at("trainer");
  } catch (const std::exception& e) {
    throw ArtifactError(std::string("corrupt checkpoint state: ") + e.what(),
                        (source / "state.json").string(), "delete the checkpoint folder");
  }
  load_model_weights(parameters, source / "model.pt");
  try {
    torch::load(optimizer, (source / "optimizer.pt").string());
    torch::Tensor rng;
    torch::load(rng, (source / "rng.pt").string());
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    generator.set_state(rng);
  } catch (const std::exception& e) {
    throw ArtifactError(std::string("cannot restore optimiser or RNG state: ") + e.what(),
                        source.string(), "delete the checkpoint folder or drop --resume");
  }
  return true;
}

}  // namespace rubrika::detail
