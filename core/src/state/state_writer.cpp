// StateWriter: collects datasets and attributes, then writes state.h5 atomically.
#include <rubrika/state/state_file.hpp>

#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>

#include "h5_path.hpp"

#include <ATen/ATen.h>

#include <fcntl.h>
#include <unistd.h>

#include <variant>

namespace rubrika::state {
namespace {

struct PendingDataset {
  std::string path;                  // normalised
  at::Tensor tensor;                 // CPU, contiguous; undefined for a string list
  std::vector<std::string> strings;  // used when tensor is undefined
};

struct PendingAttribute {
  std::string object;  // normalised
  std::string name;
  std::variant<std::string, double, int64_t> value;
};

H5::DataSpace space_of(const std::vector<hsize_t>& dims) {
  if (dims.empty()) return H5::DataSpace(H5S_SCALAR);
  return H5::DataSpace(static_cast<int>(dims.size()), dims.data());
}

void write_dataset(H5::H5File& file, const PendingDataset& d) {
  detail::ensure_group(file, detail::parent_of(d.path));
  if (d.tensor.defined()) {
    std::vector<hsize_t> dims(d.tensor.sizes().begin(), d.tensor.sizes().end());
    const auto dtype = d.tensor.scalar_type();
    H5::DataSet set = file.createDataSet(d.path, detail::file_type(dtype), space_of(dims));
    if (d.tensor.numel() > 0) set.write(d.tensor.data_ptr(), detail::memory_type(dtype));
    return;
  }
  const H5::StrType type = detail::utf8_string_type();
  H5::DataSet set = file.createDataSet(d.path, type, space_of({d.strings.size()}));
  std::vector<const char*> pointers;
  for (const auto& s : d.strings) pointers.push_back(s.c_str());
  if (!pointers.empty()) set.write(pointers.data(), type);
}

void write_attribute(H5::H5File& file, const PendingAttribute& a) {
  if (!detail::exists(file, a.object)) detail::ensure_group(file, a.object);
  detail::OpenedObject object(file, a.object);
  if (object->attrExists(a.name)) object->removeAttr(a.name);
  const H5::DataSpace scalar(H5S_SCALAR);
  if (const auto* text = std::get_if<std::string>(&a.value)) {
    const H5::StrType type = detail::utf8_string_type();
    const char* pointer = text->c_str();
    object->createAttribute(a.name, type, scalar).write(type, &pointer);
  } else if (const auto* number = std::get_if<double>(&a.value)) {
    object->createAttribute(a.name, H5::PredType::IEEE_F64LE, scalar)
        .write(H5::PredType::NATIVE_DOUBLE, number);
  } else {
    object->createAttribute(a.name, H5::PredType::STD_I64LE, scalar)
        .write(H5::PredType::NATIVE_INT64, &std::get<int64_t>(a.value));
  }
}

// HDF5 closes without fsync; a rename of unsynced data could leave an empty file after a
// crash, so sync before renaming.
void sync_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw IoError("cannot sync the state file before renaming it", file.string(),
                  "check the disk is writable and not full");
  }
  ::close(fd);
}

bool nests(const std::string& outer, const std::string& inner) {
  return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
         inner[outer.size()] == '/';
}

}  // namespace

struct StateWriter::Impl {
  std::vector<PendingDataset> datasets;
  std::vector<PendingAttribute> attributes;
  bool committed = false;

  void add(const std::filesystem::path& file, PendingDataset d) {
    if (d.path == "/")
      throw InputError("a dataset cannot be the root group", detail::where(file, d.path),
                       "name it, e.g. \"/calibrator/temperature\"");
    for (const auto& other : datasets) {
      if (other.path == d.path)
        throw InputError("dataset written twice", detail::where(file, d.path),
                         "write each dataset once");
      if (nests(other.path, d.path) || nests(d.path, other.path))
        throw InputError("dataset '" + d.path + "' and dataset '" + other.path +
                             "' would nest inside each other",
                         detail::where(file, d.path), "a dataset cannot also be a group");
    }
    datasets.push_back(std::move(d));
  }
};

StateWriter::StateWriter(std::filesystem::path file)
    : file_(std::move(file)), impl_(std::make_unique<Impl>()) {
  detail::silence_hdf5_errors();
}

StateWriter::~StateWriter() = default;

void StateWriter::write_tensor(const std::string& path, const torch::Tensor& tensor) {
  const std::string normalised = detail::normalise(path);
  if (!tensor.defined())
    throw InputError("the tensor is undefined", detail::where(file_, normalised));
  if (!detail::supported(tensor.scalar_type()))
    throw InputError(
        std::string("tensors of ") + c10::toString(tensor.scalar_type()) + " cannot be stored",
        detail::where(file_, normalised),
        "convert to float32, float64 or int64 first (e.g. .to(at::kLong))");
  // A private copy: later in-place changes of the caller's tensor do not reach the file.
  at::Tensor copy =
      tensor.detach().to(at::kCPU, /*non_blocking=*/false, /*copy=*/true).contiguous();
  impl_->add(file_, PendingDataset{normalised, std::move(copy), {}});
}

void StateWriter::write_strings(const std::string& path, const std::vector<std::string>& values) {
  impl_->add(file_, PendingDataset{detail::normalise(path), at::Tensor(), values});
}

void StateWriter::write_tensor_map(const std::string& group, const TensorMap& map) {
  const std::string base = detail::normalise(group);
  for (const auto& [key, tensor] : map)
    write_tensor(base == "/" ? "/" + key : base + "/" + key, tensor);
}

void StateWriter::set_string_attribute(const std::string& object, const std::string& name,
                                       const std::string& value) {
  impl_->attributes.push_back({detail::normalise(object), name, value});
}

void StateWriter::set_double_attribute(const std::string& object, const std::string& name,
                                       double value) {
  impl_->attributes.push_back({detail::normalise(object), name, value});
}

void StateWriter::set_int_attribute(const std::string& object, const std::string& name,
                                    int64_t value) {
  impl_->attributes.push_back({detail::normalise(object), name, value});
}

void StateWriter::commit() {
  if (impl_->committed)
    throw InputError("the state file was already committed", file_.string(),
                     "use a new StateWriter for another file");
  const std::filesystem::path temp = temporary_sibling(file_, "h5");
  std::string current = "/";  // what was being written, for the message
  try {
    if (!file_.parent_path().empty()) std::filesystem::create_directories(file_.parent_path());
    {
      H5::H5File out(temp.string(), H5F_ACC_EXCL);
      for (const auto& d : impl_->datasets) {
        current = d.path;
        write_dataset(out, d);
      }
      for (const auto& a : impl_->attributes) {
        current = a.object + "@" + a.name;
        write_attribute(out, a);
      }
      current = "/";
      out.close();
    }
    sync_file(temp);
    std::filesystem::rename(temp, file_);
  } catch (const H5::Exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw IoError("cannot write the state file: " + e.getDetailMsg(), detail::where(file_, current),
                  "check that the path is writable and that no dataset path runs through "
                  "another dataset");
  } catch (const std::filesystem::filesystem_error& e) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw IoError(std::string("cannot put the state file in place: ") + e.what(), file_.string(),
                  "check that the folder is writable");
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw;
  }
  impl_->committed = true;
}

}  // namespace rubrika::state
