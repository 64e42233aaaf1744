// Plugin versions recorded in a run folder, checked when the run is loaded.
//
// pipeline.toml records, per component, the version of the plugin that wrote it. Plugin
// versions follow semantic versioning: a new major version may read or write its artifact
// differently, so loading a run with a plugin of another major version is refused with the
// component and both versions named; minor and patch differences load.
#pragma once

#include <rubrika/registry.hpp>

#include <string>

namespace rubrika {

// The leading number of "MAJOR.MINOR.PATCH" (also "MAJOR" or "MAJOR.MINOR"). Throws
// ArtifactError naming `where` when `version` does not start with a number.
int major_version(const std::string& version, const std::string& where);

// Throws ArtifactError when `recorded` and the loaded plugin's version differ in their major
// version. `role` names the component ("encoder", "ood.mahalanobis"); `where` is the file
// that recorded it. An empty `recorded` (run folders from before versions were recorded)
// is accepted.
void check_plugin_version(const PluginInfo& loaded, const std::string& recorded,
                          const std::string& role, const std::string& where);

}  // namespace rubrika
