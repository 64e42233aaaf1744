#include <rubrika/error.hpp>
#include <rubrika/io/safetensors.hpp>
#include <rubrika/weights.hpp>

#include <ATen/ATen.h>

namespace rubrika {

void save_weights(const std::filesystem::path& file, const NamedParameters& parameters,
                  const std::map<std::string, std::string>& metadata) {
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [name, tensor] : parameters)
    tensors[name] = tensor.detach().to(at::kCPU).contiguous();
  save_safetensors(file, tensors, metadata);
}

void load_weights(const std::filesystem::path& file, const NamedParameters& parameters) {
  auto tensors = load_safetensors(file);
  at::NoGradGuard no_grad;
  for (const auto& [name, target] : parameters) {
    auto found = tensors.find(name);
    if (found == tensors.end())
      throw ArtifactError("missing tensor '" + name + "'", file.string(),
                          "the file was written by another component");
    if (found->second.sizes() != target.sizes())
      throw ArtifactError("tensor '" + name + "' has shape " + c10::str(found->second.sizes()) +
                              ", expected " + c10::str(target.sizes()),
                          file.string(), "it was trained for other labels or another encoder");
    const_cast<at::Tensor&>(target).copy_(found->second);
  }
}

}  // namespace rubrika
