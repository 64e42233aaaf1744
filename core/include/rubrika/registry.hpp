// PluginRegistry: finds plugin libraries, checks them, and builds components by
// (kind, name).
//
// Folders searched, in this order:
//   1. the build's or the installation's plugin folder, found next to librubrika_core
//      (build/plugins/ in a build tree, <prefix>/lib/rubrika/plugins/ when installed);
//   2. every folder in RUBRIKA_PLUGIN_PATH (':'-separated);
//   3. a recipe's [plugins] paths.
// Every file with the platform's shared-library suffix in a searched folder is loaded;
// one that fails to load, has another ABI version or build id, or repeats a (kind, name)
// already registered is an error (rubrika::PluginError) naming both files. Libraries stay
// loaded for the life of the process: the registry is never destroyed.
#pragma once

#include <rubrika/component.hpp>
#include <rubrika/plugin.hpp>

#include <toml++/toml.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rubrika {

// What `rubrika plugins list` shows for one plugin.
struct PluginInfo {
  std::string kind;
  std::string name;
  std::string version;
  std::string description;
  std::string build_id;
  std::filesystem::path file;
};

class PluginRegistry {
 public:
  // The process-wide registry (created on first use, never destroyed).
  static PluginRegistry& global();

  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Loads the default folders (1 and 2 above) once; later calls do nothing.
  void load_default_folders();
  // Loads every plugin library in `folder` (not recursive). A folder already loaded is
  // skipped; a missing folder is an error.
  void load_folder(const std::filesystem::path& folder);
  // Loads one library file and registers its plugin.
  const PluginInfo& load_file(const std::filesystem::path& file);

  // All registered plugins, sorted by kind then name.
  std::vector<PluginInfo> list() const;
  // Folders searched so far, in order.
  const std::vector<std::filesystem::path>& folders() const;

  // The plugin of `kind` named `name`; an unknown one is an error listing the plugins of
  // that kind and the folders searched (and a plugin of that name of another kind).
  const PluginInfo& find(const std::string& kind, const std::string& name) const;

  // Validates `options` for plugin (kind, name) without building anything.
  void check(const std::string& kind, const std::string& name, const PluginContext& context,
             const toml::table& options) const;

  // Builds a component of interface T from plugin `name`.
  template <class T>
  std::unique_ptr<T> create(const std::string& name, const PluginContext& context,
                            const toml::table& options) const {
    std::unique_ptr<Component> made = create_component(PluginKind<T>::name, name, context, options);
    T* typed = dynamic_cast<T*>(made.get());
    if (typed == nullptr) throw_wrong_interface(PluginKind<T>::name, name);
    made.release();
    return std::unique_ptr<T>(typed);
  }

  std::unique_ptr<Component> create_component(const std::string& kind, const std::string& name,
                                              const PluginContext& context,
                                              const toml::table& options) const;

 private:
  [[noreturn]] void throw_wrong_interface(const std::string& kind, const std::string& name) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// RUBRIKA_BUILD_ID as compiled into rubrika_core.
const char* core_build_id();

// Default plugin folder next to librubrika_core (build or install layout); empty if none.
std::filesystem::path default_plugin_folder();

}  // namespace rubrika
