// safetensors: Hugging Face's tensor file format, read and written by our own code.
//
// Layout (https://github.com/huggingface/safetensors):
//   [8 bytes: N, little-endian uint64]
//   [N bytes: JSON header {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]},
//                          ..., "__metadata__": {"key": "value"}}, padded with spaces]
//   [data: raw little-endian tensor bytes; offsets are relative to the start of this block]
//
// Reading memory-maps the file privately (copy-on-write) and returns CPU tensors that view
// the mapping: no copy is made, the mapping lives until the last tensor that uses it is
// released, and writing to a returned tensor never changes the file. Replacing the file
// through rename (what save_safetensors does) is safe while it is mapped; truncating it in
// place is not, so writers in this project always go through a temporary file.
//
// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
#pragma once

#include <rubrika/tensor.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace rubrika {

struct SafetensorsContent {
  std::map<std::string, torch::Tensor> tensors;  // CPU, contiguous, dtype as stored
  std::map<std::string, std::string> metadata;   // "__metadata__", empty when absent
};

// Reads and validates the whole file: header length, JSON, dtypes, shapes against byte
// spans, offsets inside the file and not overlapping. Throws rubrika::ArtifactError naming
// the file (and the tensor, when one is at fault) for truncated or corrupt files;
// rubrika::IoError when the file cannot be opened. A floating-point tensor holding a NaN or
// an infinity is an ArtifactError too (check_finite_tensors): weights never load broken.
SafetensorsContent read_safetensors(const std::filesystem::path& file);

// The tensors of read_safetensors(file).
std::map<std::string, torch::Tensor> load_safetensors(const std::filesystem::path& file);

// Throws rubrika::ArtifactError naming `file`, the first floating-point tensor (by name) that
// holds a NaN or an infinity, and how many such values it holds. Every weights reader
// (read_safetensors, read_checkpoint) calls it, so no component loads non-finite weights.
void check_finite_tensors(const std::map<std::string, torch::Tensor>& tensors,
                          const std::filesystem::path& file);

// Writes `tensors` (any device; copied to the CPU, made contiguous) with string `metadata`.
// Written to a temporary file next to `file`, then renamed over it, so readers never see a
// half-written file. Like the reference writer, the header is padded with spaces to a
// multiple of 8 bytes and the data is ordered by element size (largest first), then by
// name, so every tensor is aligned to its element size. Throws rubrika::InputError for an
// undefined tensor or an unsupported dtype, rubrika::IoError when writing fails.
void save_safetensors(const std::filesystem::path& file,
                      const std::map<std::string, torch::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace rubrika
