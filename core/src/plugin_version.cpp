#include <rubrika/error.hpp>
#include <rubrika/plugin_version.hpp>

#include <cctype>

namespace rubrika {

int major_version(const std::string& version, const std::string& where) {
  size_t digits = 0;
  while (digits < version.size() && std::isdigit(static_cast<unsigned char>(version[digits])))
    ++digits;
  if (digits == 0 || digits > 6 || (digits < version.size() && version[digits] != '.'))
    throw ArtifactError("plugin version '" + version + "' is not MAJOR.MINOR.PATCH", where);
  return std::stoi(version.substr(0, digits));
}

void check_plugin_version(const PluginInfo& loaded, const std::string& recorded,
                          const std::string& role, const std::string& where) {
  if (recorded.empty()) return;
  const int was = major_version(recorded, where);
  const int now = major_version(loaded.version, loaded.file.string());
  if (was == now) return;
  throw ArtifactError("the " + role + " (" + loaded.kind + "/" + loaded.name +
                          ") was written by plugin version " + recorded +
                          " but the loaded plugin is version " + loaded.version + " (" +
                          loaded.file.string() + "): another major version may not read it",
                      where,
                      "load the run with a " + std::to_string(was) +
                          ".x build of the plugin, "
                          "or train the run again with this one");
}

}  // namespace rubrika
