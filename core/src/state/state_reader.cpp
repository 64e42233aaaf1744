// StateReader: typed, checked reads of state.h5.
#include <rubrika/state/state_file.hpp>

#include <rubrika/error.hpp>

#include "h5_path.hpp"

#include <ATen/ATen.h>

#include <algorithm>

namespace rubrika::state {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::vector<int64_t> shape_of(const H5::DataSpace& space) {
  const int rank = space.getSimpleExtentNdims();
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) space.getSimpleExtentDims(dims.data());
  return std::vector<int64_t>(dims.begin(), dims.end());
}

// The tensor dtype of a stored numeric type, or nullopt for anything else.
std::optional<c10::ScalarType> dtype_of(const H5::DataType& type) {
  const H5T_class_t kind = type.getClass();
  if (kind == H5T_FLOAT && type.getSize() == 4) return c10::kFloat;
  if (kind == H5T_FLOAT && type.getSize() == 8) return c10::kDouble;
  if (kind == H5T_INTEGER && type.getSize() == 8 &&
      H5::IntType(type.getId()).getSign() == H5T_SGN_2)
    return c10::kLong;
  return std::nullopt;
}

}  // namespace

struct StateReader::Impl {
  H5::H5File file;
};

StateReader::StateReader(std::filesystem::path file) : file_(std::move(file)) {
  detail::silence_hdf5_errors();
  if (!std::filesystem::exists(file_))
    throw ArtifactError("the state file is missing", file_.string(),
                        "train the model first (rubrika train) or point to a complete run folder");
  try {
    if (!H5::H5File::isHdf5(file_.string()))
      throw ArtifactError("the state file is not an HDF5 file (corrupt or truncated)",
                          file_.string(), "re-run training to rebuild state.h5");
    impl_ = std::make_unique<Impl>(Impl{H5::H5File(file_.string(), H5F_ACC_RDONLY)});
  } catch (const H5::Exception& e) {
    throw ArtifactError("cannot open the state file: " + e.getDetailMsg(), file_.string(),
                        "re-run training to rebuild state.h5");
  }
}

StateReader::~StateReader() = default;

bool StateReader::has(const std::string& path) const {
  const std::string normalised = detail::normalise(path);
  return normalised == "/" || detail::exists(impl_->file, normalised);
}

std::vector<std::string> StateReader::list(const std::string& group) const {
  const std::string normalised = detail::normalise(group);
  if (!has(normalised))
    throw ArtifactError("no group '" + normalised + "' in the state file",
                        detail::where(file_, normalised),
                        "the state was written by another version?");
  try {
    H5::Group g = impl_->file.openGroup(normalised);
    std::vector<std::string> names;
    for (hsize_t i = 0; i < g.getNumObjs(); ++i) names.push_back(g.getObjnameByIdx(i));
    std::sort(names.begin(), names.end());
    return names;
  } catch (const H5::Exception& e) {
    throw ArtifactError("'" + normalised + "' is not a group: " + e.getDetailMsg(),
                        detail::where(file_, normalised));
  }
}

torch::Tensor StateReader::read_tensor(const std::string& path) const {
  const std::string normalised = detail::normalise(path);
  const std::string at_place = detail::where(file_, normalised);
  if (normalised == "/" || !detail::exists(impl_->file, normalised))
    throw ArtifactError("dataset '" + normalised + "' is missing from the state file", at_place,
                        "the run folder may be incomplete: re-run training");
  try {
    if (impl_->file.childObjType(normalised) != H5O_TYPE_DATASET)
      throw ArtifactError("'" + normalised + "' is a group, not a dataset", at_place);
    H5::DataSet set = impl_->file.openDataSet(normalised);
    const auto dtype = dtype_of(set.getDataType());
    if (!dtype)
      throw ArtifactError("dataset '" + normalised + "' is not float32, float64 or int64", at_place,
                          "it may be a string list: read it with read_strings");
    const H5::DataSpace space = set.getSpace();
    at::Tensor out = at::empty(shape_of(space), at::TensorOptions().dtype(*dtype));
    if (out.numel() > 0) set.read(out.data_ptr(), detail::memory_type(*dtype));
    return out;
  } catch (const H5::Exception& e) {
    throw ArtifactError("cannot read dataset '" + normalised + "': " + e.getDetailMsg(), at_place,
                        "the state file may be corrupt: re-run training");
  }
}

torch::Tensor StateReader::read_tensor(const std::string& path, c10::ScalarType dtype,
                                       const std::vector<int64_t>& shape) const {
  at::Tensor out = read_tensor(path);
  const std::string at_place = detail::where(file_, detail::normalise(path));
  if (out.scalar_type() != dtype)
    throw ArtifactError(std::string("dataset has dtype ") + c10::toString(out.scalar_type()) +
                            ", expected " + c10::toString(dtype),
                        at_place, "the state was written by another version: re-run training");
  const std::vector<int64_t> actual(out.sizes().begin(), out.sizes().end());
  bool matches = actual.size() == shape.size();
  for (size_t i = 0; matches && i < shape.size(); ++i)
    matches = shape[i] < 0 || shape[i] == actual[i];
  if (!matches)
    throw ArtifactError("dataset has shape " + shape_text(actual) + ", expected " +
                            shape_text(shape) + " (-1 = any)",
                        at_place, "the state does not fit this model: re-run training");
  return out;
}

std::vector<std::string> StateReader::read_strings(const std::string& path) const {
  const std::string normalised = detail::normalise(path);
  const std::string at_place = detail::where(file_, normalised);
  if (normalised == "/" || !detail::exists(impl_->file, normalised))
    throw ArtifactError("dataset '" + normalised + "' is missing from the state file", at_place,
                        "the run folder may be incomplete: re-run training");
  try {
    H5::DataSet set = impl_->file.openDataSet(normalised);
    const H5::DataType stored = set.getDataType();
    const H5::DataSpace space = set.getSpace();
    const auto shape = shape_of(space);
    if (stored.getClass() != H5T_STRING || shape.size() != 1)
      throw ArtifactError("dataset '" + normalised + "' is not a 1-D list of strings", at_place);
    const auto n = static_cast<size_t>(shape[0]);
    std::vector<std::string> out;
    if (n == 0) return out;
    const H5::StrType stored_string(set);
    if (stored_string.isVariableStr()) {
      const H5::StrType type = detail::utf8_string_type();
      std::vector<char*> buffer(n, nullptr);
      set.read(buffer.data(), type);
      for (char* s : buffer) out.emplace_back(s ? s : "");
      H5Dvlen_reclaim(type.getId(), space.getId(), H5P_DEFAULT, buffer.data());
      return out;
    }
    // Fixed-length strings (as some other writers store them), NUL-padded.
    const size_t width = stored.getSize();
    std::vector<char> buffer(n * width);
    set.read(buffer.data(), stored_string);
    for (size_t i = 0; i < n; ++i) {
      const char* begin = buffer.data() + i * width;
      out.emplace_back(begin, std::find(begin, begin + width, '\0'));
    }
    return out;
  } catch (const H5::Exception& e) {
    throw ArtifactError("cannot read string list '" + normalised + "': " + e.getDetailMsg(),
                        at_place, "the state file may be corrupt: re-run training");
  }
}

TensorMap StateReader::read_tensor_map(const std::string& group) const {
  const std::string base = detail::normalise(group);
  TensorMap out;
  for (const auto& name : list(base)) {
    const std::string child = base == "/" ? "/" + name : base + "/" + name;
    H5O_type_t type;
    try {
      type = impl_->file.childObjType(child);
    } catch (const H5::Exception& e) {
      throw ArtifactError("cannot inspect '" + child + "': " + e.getDetailMsg(),
                          detail::where(file_, child));
    }
    if (type == H5O_TYPE_GROUP) {
      for (auto& [key, tensor] : read_tensor_map(child)) out[name + "/" + key] = std::move(tensor);
    } else {
      out[name] = read_tensor(child);
    }
  }
  return out;
}

namespace {

// Opens attribute `name` of `object`, or throws an ArtifactError naming both.
H5::Attribute open_attribute(const H5::H5File& file, const std::filesystem::path& path,
                             const std::string& object, const std::string& name) {
  const std::string normalised = detail::normalise(object);
  const std::string at_place = detail::where(path, normalised) + "@" + name;
  if (normalised != "/" && !detail::exists(file, normalised))
    throw ArtifactError("object '" + normalised + "' is missing from the state file", at_place);
  detail::OpenedObject opened(file, normalised);
  if (!opened->attrExists(name))
    throw ArtifactError("attribute '" + name + "' is missing", at_place,
                        "the run folder may be incomplete: re-run training");
  return opened->openAttribute(name);
}

}  // namespace

bool StateReader::has_attribute(const std::string& object, const std::string& name) const {
  const std::string normalised = detail::normalise(object);
  if (!has(normalised)) return false;
  try {
    detail::OpenedObject opened(impl_->file, normalised);
    return opened->attrExists(name);
  } catch (const H5::Exception&) {
    return false;
  }
}

std::string StateReader::string_attribute(const std::string& object,
                                          const std::string& name) const {
  const std::string at_place = detail::where(file_, detail::normalise(object)) + "@" + name;
  try {
    H5::Attribute attribute = open_attribute(impl_->file, file_, object, name);
    if (attribute.getTypeClass() != H5T_STRING)
      throw ArtifactError("attribute '" + name + "' is not a string", at_place);
    std::string value;
    attribute.read(attribute.getStrType(), value);
    return value;
  } catch (const H5::Exception& e) {
    throw ArtifactError("cannot read attribute '" + name + "': " + e.getDetailMsg(), at_place);
  }
}

double StateReader::double_attribute(const std::string& object, const std::string& name) const {
  const std::string at_place = detail::where(file_, detail::normalise(object)) + "@" + name;
  try {
    H5::Attribute attribute = open_attribute(impl_->file, file_, object, name);
    if (attribute.getTypeClass() != H5T_FLOAT)
      throw ArtifactError("attribute '" + name + "' is not a floating-point number", at_place);
    double value = 0.0;
    attribute.read(H5::PredType::NATIVE_DOUBLE, &value);
    return value;
  } catch (const H5::Exception& e) {
    throw ArtifactError("cannot read attribute '" + name + "': " + e.getDetailMsg(), at_place);
  }
}

int64_t StateReader::int_attribute(const std::string& object, const std::string& name) const {
  const std::string at_place = detail::where(file_, detail::normalise(object)) + "@" + name;
  try {
    H5::Attribute attribute = open_attribute(impl_->file, file_, object, name);
    if (attribute.getTypeClass() != H5T_INTEGER)
      throw ArtifactError("attribute '" + name + "' is not an integer", at_place);
    int64_t value = 0;
    attribute.read(H5::PredType::NATIVE_INT64, &value);
    return value;
  } catch (const H5::Exception& e) {
    throw ArtifactError("cannot read attribute '" + name + "': " + e.getDetailMsg(), at_place);
  }
}

}  // namespace rubrika::state
