// Saving and loading a component's named weights as one safetensors file, with the
// checks every loader needs (missing tensor, wrong shape) in one place.
#pragma once

#include <rubrika/component.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace rubrika {

// Writes `parameters` (moved to the CPU) to `file` atomically, with string `metadata`.
void save_weights(const std::filesystem::path& file, const NamedParameters& parameters,
                  const std::map<std::string, std::string>& metadata = {});

// Copies every tensor named in `parameters` from `file` into it (converting dtype and
// device). Throws ArtifactError naming the file and tensor when one is missing or has
// another shape; extra tensors in the file are ignored.
void load_weights(const std::filesystem::path& file, const NamedParameters& parameters);

}  // namespace rubrika
