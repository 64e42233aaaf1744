// The plugin registry of the training-stage tests: every plugin the train_stage_tests binary
// is given (tests/integration/train/CMakeLists.txt), loaded once and never unloaded.
#pragma once

#include <rubrika/registry.hpp>

namespace rubrika::train_test {

inline PluginRegistry& registry() {
  static PluginRegistry* loaded = [] {
    auto* made = new PluginRegistry();  // never destroyed: plugins stay loaded (house rule)
    for (const char* plugin :
         {RUBRIKA_TFIDF_PLUGIN, RUBRIKA_LINEAR_PLUGIN, RUBRIKA_MULTILABEL_PLUGIN,
          RUBRIKA_TEMPERATURE_PLUGIN, RUBRIKA_PER_LABEL_PLUGIN, RUBRIKA_MSP_PLUGIN,
          RUBRIKA_ENERGY_PLUGIN, RUBRIKA_CROSS_ENCODER_PLUGIN})
      made->load_file(plugin);
    return made;
  }();
  return *loaded;
}

}  // namespace rubrika::train_test
