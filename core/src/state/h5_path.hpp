// Helpers shared by StateWriter and StateReader: path normalisation, groups, dtypes.
// Private to rubrika_core (includes the HDF5 C++ API).
#pragma once

#include <H5Cpp.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rubrika::state::detail {

// "a/b", "/a/b", "/a/b/" -> "/a/b"; "" or "/" -> "/". InputError on empty components
// ("a//b") or "." / "..".
std::string normalise(const std::string& path);
// "/a/b" -> {"a", "b"}.
std::vector<std::string> components(const std::string& normalised);
// "/a/b" -> "/a"; "/a" -> "/".
std::string parent_of(const std::string& normalised);

// Whether a link exists at `normalised` (checks each level, so a missing parent is false).
bool exists(const H5::H5File& file, const std::string& normalised);
// Creates every missing group on the way to `normalised` (the group itself included).
void ensure_group(H5::H5File& file, const std::string& normalised);
// A group or a dataset, opened for its attributes (H5Object's destructor is protected, so
// the concrete object is held here).
class OpenedObject {
 public:
  OpenedObject(const H5::H5File& file, const std::string& normalised);
  H5::H5Object* operator->() { return object_; }

 private:
  std::optional<H5::Group> group_;
  std::optional<H5::DataSet> dataset_;
  H5::H5Object* object_ = nullptr;
};

// Memory and file types for the tensor dtypes we store.
const H5::PredType& memory_type(c10::ScalarType dtype);
const H5::PredType& file_type(c10::ScalarType dtype);
bool supported(c10::ScalarType dtype);
// A UTF-8 variable-length string type.
H5::StrType utf8_string_type();

// "<file>:<path>" for error messages.
std::string where(const std::filesystem::path& file, const std::string& path);

// Silences HDF5's automatic error stack printing for the calling thread.
void silence_hdf5_errors();

}  // namespace rubrika::state::detail
