#include "plugin_registry.hpp"

#include <filesystem>

namespace rubrika::ood_test {

PluginRegistry& registry() {
  static PluginRegistry* loaded = [] {
    auto* made = new PluginRegistry();  // never destroyed: plugins stay loaded (house rule)
    for (const char* name : {"temperature", "per_label", "mahalanobis", "msp", "energy"})
      made->load_file(std::filesystem::path(RUBRIKA_PLUGIN_DIR_FOR_TESTS) /
                      (std::string(name) + ".so"));
    return made;
  }();
  return *loaded;
}

toml::table options(const std::string& text) {
  return toml::parse(text, std::string("/r/recipe.toml"));
}

}  // namespace rubrika::ood_test
