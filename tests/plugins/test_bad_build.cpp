// A plugin that claims another compiler/libtorch build: the registry must refuse it.
#include <rubrika/plugin.hpp>

namespace rubrika_plugin_export {
const rubrika::PluginDescriptor rubrika_plugin_descriptor_value = {
    rubrika::kPluginAbiVersion,
    static_cast<uint32_t>(sizeof(rubrika::PluginDescriptor)),
    "gcc 99.0.0; libtorch 0.0.1; c++201703; cxx11abi 0",
    "calibrator",
    "test_bad_build",
    "0.1.0",
    "test plugin: another build",
    nullptr,
    nullptr};
}
BOOST_DLL_ALIAS(rubrika_plugin_export::rubrika_plugin_descriptor_value, rubrika_plugin_descriptor)
