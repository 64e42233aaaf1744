#include <rubrika/error.hpp>
#include <rubrika/io/checkpoint.hpp>
#include <rubrika/io/safetensors.hpp>

#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <fstream>
#include <iterator>
#include <vector>

namespace fs = std::filesystem;

namespace rubrika {

namespace {

std::vector<char> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot open checkpoint", file.string(), "check the path");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(in.tellg());
  in.seekg(0);
  std::vector<char> bytes(size);
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (!in) throw IoError("cannot read checkpoint", file.string());
  return bytes;
}

// torch.save zip archive → {name: tensor}. The unpickler understands the zip layout and
// OrderedDict; its c10::Error on damaged input becomes an ArtifactError.
std::map<std::string, torch::Tensor> read_torch_zip(const fs::path& file) {
  const std::vector<char> bytes = read_bytes(file);
  c10::IValue value;
  try {
    value = torch::jit::pickle_load(bytes);
  } catch (const std::exception& e) {
    std::string why = e.what();
    why = why.substr(0, why.find('\n'));
    throw ArtifactError("cannot read PyTorch checkpoint: " + why, file.string(),
                        "the file is truncated or not a torch.save zip archive (legacy "
                        "pre-1.6 checkpoints are not supported); download or save it again");
  }
  if (!value.isGenericDict())
    throw ArtifactError("checkpoint holds a " + value.tagKind() + ", not a dict of tensors",
                        file.string(), "save model.state_dict(), not the model object");
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString() || !item.value().isTensor())
      throw ArtifactError("checkpoint entry is not a (name, tensor) pair", file.string(),
                          "save model.state_dict(), not a nested structure");
    tensors[item.key().toStringRef()] = item.value().toTensor();
  }
  check_finite_tensors(tensors, file);
  return tensors;
}

}  // namespace

fs::path find_weights_file(const fs::path& dir) {
  for (const char* name : {"model.safetensors", "pytorch_model.bin"})
    if (fs::is_regular_file(dir / name)) return dir / name;
  for (const char* name : {"model.safetensors.index.json", "pytorch_model.bin.index.json"})
    if (fs::exists(dir / name))
      throw ArtifactError(
          "sharded checkpoints are not supported", (dir / name).string(),
          "re-save the model in one file (save_pretrained(max_shard_size=\"100GB\"))");
  throw ArtifactError(
      "no weights file (model.safetensors or pytorch_model.bin)", dir.string(),
      "point to a Hugging Face model folder; scripts/download_model.sh fetches one");
}

std::map<std::string, torch::Tensor> read_checkpoint(const fs::path& file) {
  if (file.extension() == ".safetensors") return load_safetensors(file);
  return read_torch_zip(file);
}

}  // namespace rubrika
