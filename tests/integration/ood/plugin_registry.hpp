// The temperature, per_label, mahalanobis, msp and energy plugins loaded through the real
// registry from the build's plugins/ folder, once per test binary.
#pragma once

#include <rubrika/registry.hpp>

#include <toml++/toml.h>

#include <string>

namespace rubrika::ood_test {

PluginRegistry& registry();
// A recipe table parsed from `text`, as if it came from /r/recipe.toml.
toml::table options(const std::string& text);

}  // namespace rubrika::ood_test
