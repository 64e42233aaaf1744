#include "h5_path.hpp"

#include <rubrika/error.hpp>

namespace rubrika::state::detail {

std::string normalise(const std::string& path) {
  std::string body = path;
  if (!body.empty() && body.front() == '/') body.erase(0, 1);
  if (!body.empty() && body.back() == '/') body.pop_back();
  if (body.empty()) return "/";
  std::string out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('/', start);
    if (end == std::string::npos) end = body.size();
    const std::string part = body.substr(start, end - start);
    if (part.empty())
      throw InputError("empty component in state path '" + path + "'", "state.h5",
                       "write paths like \"/ood/mahalanobis/means\"");
    if (part == "." || part == "..")
      throw InputError("'" + part + "' in state path '" + path + "'", "state.h5",
                       "write absolute paths without . or ..");
    out += "/" + part;
    start = end + 1;
  }
  return out;
}

std::vector<std::string> components(const std::string& normalised) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start < normalised.size()) {
    size_t end = normalised.find('/', start);
    if (end == std::string::npos) end = normalised.size();
    parts.push_back(normalised.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string parent_of(const std::string& normalised) {
  const size_t slash = normalised.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : normalised.substr(0, slash);
}

bool exists(const H5::H5File& file, const std::string& normalised) {
  std::string prefix;
  for (const auto& part : components(normalised)) {
    prefix += "/" + part;
    if (H5Lexists(file.getId(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

void ensure_group(H5::H5File& file, const std::string& normalised) {
  std::string prefix;
  for (const auto& part : components(normalised)) {
    prefix += "/" + part;
    if (H5Lexists(file.getId(), prefix.c_str(), H5P_DEFAULT) <= 0) file.createGroup(prefix);
  }
}

OpenedObject::OpenedObject(const H5::H5File& file, const std::string& normalised) {
  if (normalised != "/" && file.childObjType(normalised) == H5O_TYPE_DATASET) {
    dataset_.emplace(file.openDataSet(normalised));
    object_ = &*dataset_;
  } else {
    group_.emplace(file.openGroup(normalised));
    object_ = &*group_;
  }
}

bool supported(c10::ScalarType dtype) {
  return dtype == c10::kFloat || dtype == c10::kDouble || dtype == c10::kLong;
}

const H5::PredType& memory_type(c10::ScalarType dtype) {
  if (dtype == c10::kFloat) return H5::PredType::NATIVE_FLOAT;
  if (dtype == c10::kDouble) return H5::PredType::NATIVE_DOUBLE;
  return H5::PredType::NATIVE_INT64;
}

const H5::PredType& file_type(c10::ScalarType dtype) {
  if (dtype == c10::kFloat) return H5::PredType::IEEE_F32LE;
  if (dtype == c10::kDouble) return H5::PredType::IEEE_F64LE;
  return H5::PredType::STD_I64LE;
}

H5::StrType utf8_string_type() {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  return type;
}

std::string where(const std::filesystem::path& file, const std::string& path) {
  return file.string() + ":" + path;
}

void silence_hdf5_errors() {
  // Cheap, and per thread in thread-safe HDF5 builds, so done on every reader/writer.
  H5::Exception::dontPrint();
}

}  // namespace rubrika::state::detail
