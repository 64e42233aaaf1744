// safetensors reader (private copy-on-write mmap, zero copy) and writer (atomic).
#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/io/safetensors.hpp>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; this reader maps it as is");

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace rubrika {

namespace {

// The reference implementation refuses headers above 100 MB; so do we (a corrupt length
// would otherwise make us parse the whole file as JSON).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct DtypeInfo {
  const char* name;
  at::ScalarType type;
};
constexpr DtypeInfo kDtypes[] = {{"F64", at::kDouble},    {"F32", at::kFloat}, {"F16", at::kHalf},
                                 {"BF16", at::kBFloat16}, {"I64", at::kLong},  {"I32", at::kInt},
                                 {"I16", at::kShort},     {"I8", at::kChar},   {"U8", at::kByte},
                                 {"BOOL", at::kBool}};

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const char* dtype_name(at::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return d.name;
  return nullptr;
}

std::string dtype_list() {
  std::string out;
  for (const auto& d : kDtypes) out += std::string(out.empty() ? "" : ", ") + d.name;
  return out;
}

// A read-only view of the file, private so tensors may be written (copy-on-write).
struct Mapping {
  void* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data != nullptr && data != MAP_FAILED) ::munmap(data, size);
  }
};

std::shared_ptr<Mapping> map_file(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw IoError(std::string("cannot open safetensors file: ") + std::strerror(errno),
                  file.string(), "check the path");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw IoError("not a regular file", file.string());
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<size_t>(st.st_size);
  if (mapping->size > 0) {
    mapping->data = ::mmap(nullptr, mapping->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (mapping->data == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      throw IoError(std::string("cannot memory-map file: ") + std::strerror(error), file.string());
    }
  }
  ::close(fd);
  return mapping;
}

[[noreturn]] void corrupt(const fs::path& file, const std::string& what,
                          const std::string& hint =
                              "the file is truncated or not a safetensors "
                              "file; download or save it again") {
  throw ArtifactError(what, file.string(), hint);
}

struct Entry {
  std::string name;
  at::ScalarType type;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

std::vector<int64_t> parse_shape(const fs::path& file, const std::string& name, const json& j) {
  if (!j.is_array()) corrupt(file, "tensor '" + name + "': \"shape\" is not an array");
  std::vector<int64_t> shape;
  for (const auto& d : j) {
    if (!d.is_number_unsigned())
      corrupt(file, "tensor '" + name + "': \"shape\" holds " + d.dump() +
                        ", expected non-negative integers");
    shape.push_back(d.get<int64_t>());
  }
  return shape;
}

Entry parse_entry(const fs::path& file, const std::string& name, const json& j,
                  uint64_t data_size) {
  if (!j.is_object()) corrupt(file, "tensor '" + name + "': header entry is not an object");
  Entry e;
  e.name = name;
  auto dtype = j.find("dtype");
  if (dtype == j.end() || !dtype->is_string())
    corrupt(file, "tensor '" + name + "': missing \"dtype\"");
  const DtypeInfo* info = find_dtype(dtype->get<std::string>());
  if (info == nullptr)
    corrupt(file, "tensor '" + name + "': unsupported dtype " + dtype->dump(),
            "supported: " + dtype_list());
  e.type = info->type;
  auto shape = j.find("shape");
  if (shape == j.end()) corrupt(file, "tensor '" + name + "': missing \"shape\"");
  e.shape = parse_shape(file, name, *shape);
  auto offsets = j.find("data_offsets");
  if (offsets == j.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
    corrupt(file, "tensor '" + name + "': \"data_offsets\" must be [begin, end]");
  e.begin = (*offsets)[0].get<uint64_t>();
  e.end = (*offsets)[1].get<uint64_t>();
  if (e.begin > e.end || e.end > data_size)
    corrupt(file, "tensor '" + name + "': data_offsets [" + std::to_string(e.begin) + ", " +
                      std::to_string(e.end) + "] outside the data block of " +
                      std::to_string(data_size) + " bytes");
  uint64_t bytes = at::elementSize(e.type);
  for (int64_t d : e.shape) {
    if (d != 0 && bytes > (uint64_t(1) << 62) / static_cast<uint64_t>(d))
      corrupt(file, "tensor '" + name + "': shape too large");
    bytes *= static_cast<uint64_t>(d);
  }
  if (bytes != e.end - e.begin)
    corrupt(file, "tensor '" + name + "': shape " + c10::str(e.shape) + " × " +
                      std::to_string(at::elementSize(e.type)) +
                      " bytes = " + std::to_string(bytes) + " bytes, but data_offsets span " +
                      std::to_string(e.end - e.begin));
  return e;
}

std::map<std::string, std::string> parse_metadata(const fs::path& file, const json& j) {
  if (!j.is_object()) corrupt(file, "\"__metadata__\" is not an object");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) corrupt(file, "\"__metadata__\"." + key + " is not a string");
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

void check_no_overlap(const fs::path& file, std::vector<const Entry*> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < entries.size(); ++i)
    if (entries[i]->begin < entries[i - 1]->end)
      corrupt(file, "tensors '" + entries[i - 1]->name + "' and '" + entries[i]->name +
                        "' have overlapping data_offsets");
}

// A tensor viewing the mapping; cloned when the bytes are not aligned to its element size
// (only a foreign writer that does not pad could produce that).
at::Tensor view_tensor(const std::shared_ptr<Mapping>& mapping, const Entry& e,
                       const uint8_t* data) {
  void* ptr = const_cast<uint8_t*>(data + e.begin);
  auto options = at::TensorOptions().dtype(e.type).device(at::kCPU);
  if (reinterpret_cast<uintptr_t>(ptr) % at::elementSize(e.type) != 0) {
    at::Tensor aligned = at::empty(e.shape, options);
    if (e.end > e.begin) std::memcpy(aligned.data_ptr(), ptr, e.end - e.begin);
    return aligned;
  }
  auto keep = mapping;  // the deleter owns a reference: the map lives as long as the tensor
  return at::from_blob(
      ptr, e.shape, [keep](void*) mutable { keep.reset(); }, options);
}

json parse_header(const fs::path& file, const Mapping& mapping, uint64_t& header_size) {
  if (mapping.size < 8)
    corrupt(file, "file has " + std::to_string(mapping.size) +
                      " bytes, fewer than the 8-byte header length");
  const auto* bytes = static_cast<const uint8_t*>(mapping.data);
  header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[i];
  if (header_size > kMaxHeaderBytes)
    corrupt(file, "header length " + std::to_string(header_size) + " exceeds 100 MB");
  if (8 + header_size > mapping.size)
    corrupt(file, "header length " + std::to_string(header_size) + " runs past the end of the " +
                      std::to_string(mapping.size) + "-byte file");
  json header;
  try {
    header = json::parse(bytes + 8, bytes + 8 + header_size);
  } catch (const json::exception& e) {
    corrupt(file, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) corrupt(file, "header is not a JSON object");
  return header;
}

}  // namespace

SafetensorsContent read_safetensors(const fs::path& file) {
  std::shared_ptr<Mapping> mapping = map_file(file);
  uint64_t header_size = 0;
  const json header = parse_header(file, *mapping, header_size);
  const uint64_t data_size = mapping->size - 8 - header_size;
  const auto* data = static_cast<const uint8_t*>(mapping->data) + 8 + header_size;

  SafetensorsContent content;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      content.metadata = parse_metadata(file, value);
      continue;
    }
    entries.push_back(parse_entry(file, name, value, data_size));
  }
  std::vector<const Entry*> pointers;
  for (const auto& e : entries) pointers.push_back(&e);
  check_no_overlap(file, pointers);
  for (const auto& e : entries) content.tensors[e.name] = view_tensor(mapping, e, data);
  check_finite_tensors(content.tensors, file);
  return content;
}

void check_finite_tensors(const std::map<std::string, torch::Tensor>& tensors,
                          const fs::path& file) {
  for (const auto& [name, tensor] : tensors) {
    if (!at::isFloatingType(tensor.scalar_type()) || tensor.numel() == 0) continue;
    const at::Tensor finite = at::isfinite(tensor);
    if (finite.all().item<bool>()) continue;
    const int64_t bad = finite.numel() - finite.sum().item<int64_t>();
    throw ArtifactError("tensor '" + name + "' holds " + std::to_string(bad) + " of " +
                            std::to_string(tensor.numel()) + " values that are NaN or infinite",
                        file.string(),
                        "the weights are damaged (or training diverged); train or download "
                        "them again");
  }
}

std::map<std::string, torch::Tensor> load_safetensors(const fs::path& file) {
  return read_safetensors(file).tensors;
}

void save_safetensors(const fs::path& file, const std::map<std::string, torch::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // Data order: element size descending, then name (keeps every tensor aligned).
  std::vector<std::pair<std::string, at::Tensor>> order;
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.defined()) throw InputError("tensor '" + name + "' is undefined", file.string());
    if (dtype_name(tensor.scalar_type()) == nullptr)
      throw InputError("tensor '" + name + "' has unsupported dtype " +
                           std::string(c10::toString(tensor.scalar_type())),
                       file.string(), "convert it to one of " + dtype_list());
    order.emplace_back(name, tensor.detach().to(at::kCPU).contiguous());
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second.element_size() > b.second.element_size();
  });

  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : order) {
    const uint64_t bytes = tensor.numel() * tensor.element_size();
    header[name] = {{"dtype", dtype_name(tensor.scalar_type())},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  AtomicFileWriter writer(file);
  std::ofstream& out = writer.stream();
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(uint64_t(text.size()) >> (8 * i));
  out.write(reinterpret_cast<const char*>(length), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& [name, tensor] : order)
    out.write(static_cast<const char*>(tensor.data_ptr()),
              static_cast<std::streamsize>(tensor.numel() * tensor.element_size()));
  writer.commit();
}

}  // namespace rubrika
