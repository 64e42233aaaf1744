// state.h5: the fitted state of a run's stateful stages (label map, temperature, OOD
// means / Cholesky factors / thresholds, validation logits kept for analysis) in one HDF5
// file that h5py and HDFView read directly.
//
// Layout is chosen by the caller; the pipeline uses groups such as "/labels",
// "/calibrator", "/ood/mahalanobis". Paths are '/'-separated, absolute or relative to the
// root ("calibrator/temperature" == "/calibrator/temperature"); missing groups are created.
//
// Tensors of float32, float64 and int64, any rank (rank 0 = an HDF5 scalar), are stored as
// little-endian datasets of the same type and shape; string lists as 1-D datasets of
// variable-length UTF-8 strings; attributes (string, double, int64) sit on groups or
// datasets.
//
//   rubrika::state::StateWriter out(run_dir / "state.h5");
//   out.write_strings("/labels/names", labels.names());
//   out.write_tensor_map("/calibrator", calibrator->state());
//   out.set_string_attribute("/", "format", "rubrika-state");
//   out.commit();  // the whole file appears at once
//
//   rubrika::state::StateReader in(run_dir / "state.h5");
//   calibrator->load_state(in.read_tensor_map("/calibrator"));
//
// Errors: reading a missing or corrupt file, a missing dataset or attribute, or one of
// another type or shape throws rubrika::ArtifactError whose where() is "<file>:<dataset>".
// HDF5's own error stack is never printed. Not thread-safe (the system HDF5 is a serial
// build): use one reader or writer per thread at a time.
#pragma once

#include <rubrika/tensor.hpp>
#include <rubrika/types.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rubrika::state {

// Collects datasets and attributes in memory; commit() writes them all into a temporary
// sibling file, syncs it and renames it over `file`. Without a successful commit() the
// target is untouched and no temporary file is left behind.
class StateWriter {
 public:
  explicit StateWriter(std::filesystem::path file);
  ~StateWriter();
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  // A copy of `tensor` (any device) is kept. InputError for an undefined tensor, another
  // dtype, a path used twice, or a path that would nest inside another dataset.
  void write_tensor(const std::string& path, const torch::Tensor& tensor);
  // [n] list of UTF-8 strings, e.g. the label names.
  void write_strings(const std::string& path, const std::vector<std::string>& values);
  // Every entry as "<group>/<key>" (keys may contain '/', giving nested groups).
  void write_tensor_map(const std::string& group, const TensorMap& map);

  // Attributes on `object`: a group (created when missing, "/" = the file) or a dataset
  // written by this writer.
  void set_string_attribute(const std::string& object, const std::string& name,
                            const std::string& value);
  void set_double_attribute(const std::string& object, const std::string& name, double value);
  void set_int_attribute(const std::string& object, const std::string& name, int64_t value);

  // Writes the file. rubrika::IoError (naming the file and the dataset or attribute) when
  // anything fails; the old file then stays as it was. Call once.
  void commit();

  const std::filesystem::path& file() const { return file_; }

 private:
  struct Impl;
  std::filesystem::path file_;
  std::unique_ptr<Impl> impl_;
};

// Reads a state file written by StateWriter (or by h5py with the same types).
class StateReader {
 public:
  // ArtifactError when the file is missing, not HDF5, or cannot be opened.
  explicit StateReader(std::filesystem::path file);
  ~StateReader();
  StateReader(const StateReader&) = delete;
  StateReader& operator=(const StateReader&) = delete;

  // Whether a group or dataset exists at `path`.
  bool has(const std::string& path) const;
  // Names of the direct children of a group, sorted.
  std::vector<std::string> list(const std::string& group) const;

  // A float32, float64 or int64 dataset as a CPU tensor of that dtype and shape.
  torch::Tensor read_tensor(const std::string& path) const;
  // The same, checked: ArtifactError unless the dtype is `dtype` and the shape matches
  // `shape` (-1 = any size in that dimension; the rank must match).
  torch::Tensor read_tensor(const std::string& path, c10::ScalarType dtype,
                            const std::vector<int64_t>& shape) const;
  std::vector<std::string> read_strings(const std::string& path) const;
  // Every dataset below `group` (recursively), keyed by its path relative to the group
  // ("means", "stats/validation"). All must be numeric: a string list inside is an
  // ArtifactError, so keep label names in their own group.
  TensorMap read_tensor_map(const std::string& group) const;

  std::string string_attribute(const std::string& object, const std::string& name) const;
  double double_attribute(const std::string& object, const std::string& name) const;
  int64_t int_attribute(const std::string& object, const std::string& name) const;
  bool has_attribute(const std::string& object, const std::string& name) const;

  const std::filesystem::path& file() const { return file_; }

 private:
  struct Impl;
  std::filesystem::path file_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rubrika::state
