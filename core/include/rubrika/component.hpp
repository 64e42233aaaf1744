// Component: the common base of every object a plugin creates, and the context a plugin
// factory receives. Kind-specific interfaces (Encoder, Head, Calibrator, OodScorer,
// Reranker) derive from Component so the registry can hand out one pointer type and
// check the kind with dynamic_cast.
#pragma once

#include <rubrika/tensor.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {

class Component {
 public:
  virtual ~Component();
  Component() = default;
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;
};

// Whether a component starts fresh or reads what training wrote. The host decides and
// says so; a plugin never guesses from which files exist.
enum class ArtifactUse {
  initialise,  // build from the recipe table (pretrained weights it names, or random)
  load,        // read `PluginContext::artifact`; a missing or broken artifact is an error
};

// What the host tells a plugin factory besides its own recipe table.
struct PluginContext {
  torch::Device device = c10::kCPU;  // where tensors and parameters live
  std::filesystem::path recipe_dir;  // folder of the recipe; relative paths resolve here
  // This component's trained artifact in the run folder: a folder (encoder/, reranker/) or,
  // for heads, a file (head.safetensors); named by RunLayout. Read only with `load`.
  std::filesystem::path artifact;
  ArtifactUse use = ArtifactUse::initialise;
  std::vector<std::string> labels;  // class names, for heads and label-aware stages
  int64_t input_size = 0;           // width of the features a head reads (encoder hidden size)
  uint64_t seed = 42;               // for initialisation and sampling
};

// Parameters a trainer updates, with the names that become checkpoint keys.
using NamedParameters = std::vector<std::pair<std::string, torch::Tensor>>;

// A component with trainable weights (encoders, heads, rerankers).
class Trainable {
 public:
  virtual ~Trainable();
  // Every trainable parameter, named as in the saved checkpoint ("encoder.layer.0....").
  virtual NamedParameters named_parameters() = 0;
  // Switches dropout etc. between training (true) and evaluation (false).
  virtual void set_training(bool training) = 0;
  // Moves all parameters and buffers to `device`.
  virtual void to(const torch::Device& device) = 0;
};

}  // namespace rubrika
