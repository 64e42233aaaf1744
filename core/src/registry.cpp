#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/registry.hpp>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

namespace rubrika {
namespace {

constexpr const char* kSource = "core/registry";
constexpr const char* kDescriptorSymbol = "rubrika_plugin_descriptor";

// Libraries are never unloaded: objects, vtables and exceptions from a plugin may outlive
// any registry, so every library handle is moved here and this list is never destroyed.
std::vector<boost::dll::shared_library>& loaded_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}
std::mutex& libraries_mutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}

bool is_known_kind(const char* kind) {
  for (const char* k : kPluginKinds)
    if (std::strcmp(k, kind) == 0) return true;
  return false;
}

std::string text_or_empty(const char* text) { return text ? std::string(text) : std::string(); }

bool is_plugin_file(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) &&
         path.extension() == boost::dll::shared_library::suffix();
}

// Checks the descriptor's fixed fields, in an order that never reads past what an older
// or newer layout could have.
void validate_descriptor(const PluginDescriptor& d, const std::filesystem::path& file) {
  const std::string where = file.string();
  if (d.abi_version != kPluginAbiVersion)
    throw PluginError("plugin ABI version " + std::to_string(d.abi_version) +
                          " does not match this rubrika's ABI version " +
                          std::to_string(kPluginAbiVersion),
                      where, "rebuild the plugin against this rubrika");
  if (d.descriptor_size != sizeof(PluginDescriptor))
    throw PluginError("plugin descriptor is " + std::to_string(d.descriptor_size) +
                          " bytes, this rubrika expects " +
                          std::to_string(sizeof(PluginDescriptor)),
                      where, "rebuild the plugin against this rubrika");
  const std::string build = text_or_empty(d.build_id);
  if (build != core_build_id())
    throw PluginError(
        "plugin build id '" + build + "' does not match this rubrika's '" + core_build_id() + "'",
        where, "rebuild the plugin with the same compiler and libtorch");
  if (d.kind == nullptr || !is_known_kind(d.kind))
    throw PluginError("plugin declares unknown kind '" + text_or_empty(d.kind) + "'", where,
                      "kinds are encoder, head, calibrator, ood, reranker");
  if (d.name == nullptr || *d.name == '\0' || d.create == nullptr || d.check == nullptr)
    throw PluginError("plugin descriptor is incomplete (no name or factory)", where);
}

std::filesystem::path canonical_or_same(const std::filesystem::path& path) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical;
}

}  // namespace

const char* core_build_id() { return RUBRIKA_BUILD_ID; }

std::filesystem::path default_plugin_folder() {
  // The folder holding librubrika_core: build/lib (build tree) or <prefix>/lib (installed).
  std::filesystem::path lib_dir = boost::dll::this_line_location().parent_path();
  for (const auto& candidate :
       {lib_dir / "rubrika" / "plugins", lib_dir.parent_path() / "plugins"}) {
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return candidate.lexically_normal();
  }
  return {};
}

struct PluginRegistry::Impl {
  struct Entry {
    PluginInfo info;
    const PluginDescriptor* descriptor = nullptr;
  };
  std::map<std::pair<std::string, std::string>, Entry> plugins;
  std::vector<std::filesystem::path> folders;
  std::set<std::filesystem::path> folder_set;
  std::set<std::filesystem::path> files;
  bool defaults_loaded = false;
  mutable std::mutex mutex;
};

PluginRegistry::PluginRegistry() : impl_(std::make_unique<Impl>()) {}
PluginRegistry::~PluginRegistry() = default;

PluginRegistry& PluginRegistry::global() {
  static auto* registry = new PluginRegistry();
  return *registry;
}

void PluginRegistry::load_default_folders() {
  if (impl_->defaults_loaded) return;
  impl_->defaults_loaded = true;
  std::filesystem::path builtin = default_plugin_folder();
  if (!builtin.empty()) load_folder(builtin);
  if (const char* env = std::getenv("RUBRIKA_PLUGIN_PATH")) {
    std::istringstream in(env);
    std::string folder;
    while (std::getline(in, folder, ':')) {
      if (folder.empty()) continue;
      try {
        load_folder(folder);
      } catch (...) {
        rethrow_with_context("RUBRIKA_PLUGIN_PATH");
      }
    }
  }
}

void PluginRegistry::load_folder(const std::filesystem::path& folder) {
  std::filesystem::path canonical = canonical_or_same(folder);
  std::error_code ec;
  if (!std::filesystem::is_directory(canonical, ec))
    throw PluginError("plugin folder does not exist", folder.string(),
                      "fix the path or create the folder");
  if (!impl_->folder_set.insert(canonical).second) return;
  impl_->folders.push_back(canonical);
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(canonical))
    if (is_plugin_file(entry.path())) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) load_file(file);
}

const PluginInfo& PluginRegistry::load_file(const std::filesystem::path& file) {
  const std::filesystem::path canonical = canonical_or_same(file);
  boost::dll::shared_library library;
  try {
    library.load(canonical, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    const char* detail = e.what();
    throw PluginError(
        std::string("cannot load plugin library: ") + detail, canonical.string(),
        "is it a shared library built for this machine with its dependencies installed?");
  }
  if (!library.has(kDescriptorSymbol))
    throw PluginError(std::string("not a rubrika plugin: no '") + kDescriptorSymbol + "' symbol",
                      canonical.string(), "declare the plugin with RUBRIKA_PLUGIN(...)");
  const auto& descriptor = library.get_alias<const PluginDescriptor>(kDescriptorSymbol);
  validate_descriptor(descriptor, canonical);

  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto key = std::make_pair(std::string(descriptor.kind), std::string(descriptor.name));
  auto existing = impl_->plugins.find(key);
  if (existing != impl_->plugins.end()) {
    if (existing->second.info.file == canonical) return existing->second.info;
    throw PluginError("two plugins named " + key.first + "/" + key.second + ": " +
                          existing->second.info.file.string() + " and " + canonical.string(),
                      canonical.string(), "remove one of them from the plugin folders");
  }
  Impl::Entry entry;
  entry.descriptor = &descriptor;
  entry.info = {key.first,
                key.second,
                text_or_empty(descriptor.version),
                text_or_empty(descriptor.description),
                text_or_empty(descriptor.build_id),
                canonical};
  {
    std::lock_guard<std::mutex> keep(libraries_mutex());
    loaded_libraries().push_back(std::move(library));
  }
  log_debug(kSource, "loaded " + key.first + "/" + key.second + " from " + canonical.string());
  return impl_->plugins.emplace(key, std::move(entry)).first->second.info;
}

std::vector<PluginInfo> PluginRegistry::list() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<PluginInfo> result;
  for (const auto& kind : kPluginKinds)
    for (const auto& [key, entry] : impl_->plugins)
      if (key.first == kind) result.push_back(entry.info);
  return result;
}

const std::vector<std::filesystem::path>& PluginRegistry::folders() const { return impl_->folders; }

const PluginInfo& PluginRegistry::find(const std::string& kind, const std::string& name) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto found = impl_->plugins.find({kind, name});
  if (found != impl_->plugins.end()) return found->second.info;

  std::vector<std::string> same_kind;
  std::string other_kind;
  for (const auto& [key, entry] : impl_->plugins) {
    if (key.first == kind) same_kind.push_back(key.second);
    if (key.second == name) other_kind = key.first;
  }
  if (!other_kind.empty())
    throw PluginError("plugin '" + name + "' is a " + other_kind + " plugin, not a " + kind +
                      " plugin");
  std::string available;
  for (const auto& n : same_kind) available += (available.empty() ? "" : ", ") + n;
  std::string searched;
  for (const auto& f : impl_->folders) searched += (searched.empty() ? "" : ", ") + f.string();
  std::string hint = "available " + kind +
                     " plugins: " + (available.empty() ? std::string("none") : available) +
                     "; folders searched: " + (searched.empty() ? std::string("none") : searched);
  throw PluginError("unknown " + kind + " plugin '" + name + "'", "", hint);
}

void PluginRegistry::check(const std::string& kind, const std::string& name,
                           const PluginContext& context, const toml::table& options) const {
  const PluginInfo& info = find(kind, name);
  const PluginDescriptor* descriptor = impl_->plugins.at({info.kind, info.name}).descriptor;
  descriptor->check(context, options);
}

std::unique_ptr<Component> PluginRegistry::create_component(const std::string& kind,
                                                            const std::string& name,
                                                            const PluginContext& context,
                                                            const toml::table& options) const {
  const PluginInfo& info = find(kind, name);
  const PluginDescriptor* descriptor = impl_->plugins.at({info.kind, info.name}).descriptor;
  std::unique_ptr<Component> made;
  try {
    made = descriptor->create(context, options);
  } catch (...) {
    rethrow_with_context(kind + "/" + name);
  }
  if (!made)
    throw PluginError("plugin " + kind + "/" + name + " returned no component", info.file.string());
  return made;
}

void PluginRegistry::throw_wrong_interface(const std::string& kind, const std::string& name) const {
  throw PluginError("plugin " + kind + "/" + name + " built an object that is not a " + kind,
                    find(kind, name).file.string(),
                    "its RUBRIKA_PLUGIN kind and class disagree; rebuild it");
}

}  // namespace rubrika
