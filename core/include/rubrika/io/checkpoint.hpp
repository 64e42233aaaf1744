// Reading the weights of a Hugging Face model folder, whichever format it was saved in.
//
// Formats: `model.safetensors` (our own reader, see safetensors.hpp) and
// `pytorch_model.bin` (PyTorch's zip checkpoint written by torch.save, read with libtorch's
// unpickler). Reusable by every component that loads Hugging Face checkpoints (encoders,
// rerankers, the CLI reading a classifier head).
#pragma once

#include <rubrika/tensor.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace rubrika {

// The weights file of a Hugging Face folder: model.safetensors when present, else
// pytorch_model.bin. Throws rubrika::ArtifactError naming the folder when neither exists
// (a sharded checkpoint — *.index.json — is reported as unsupported).
std::filesystem::path find_weights_file(const std::filesystem::path& dir);

// Every tensor of `file` (CPU, dtype as stored): *.safetensors through read_safetensors,
// anything else as a torch.save zip archive holding a flat {name: tensor} dict.
// Throws rubrika::ArtifactError naming the file when it is truncated, corrupt or holds
// something else than a dict of tensors, or a tensor holding a NaN or an infinity
// (check_finite_tensors); rubrika::IoError when it cannot be read.
std::map<std::string, torch::Tensor> read_checkpoint(const std::filesystem::path& file);

}  // namespace rubrika
