// A plugin built for a future ABI version: the registry must refuse it before using it.
#include <rubrika/plugin.hpp>

// A fixed number, not kPluginAbiVersion + k, so the tests can name it when the ABI moves.
inline constexpr uint32_t kFutureAbiVersion = 99;
static_assert(kFutureAbiVersion != rubrika::kPluginAbiVersion, "pick another future ABI version");

namespace rubrika_plugin_export {
const rubrika::PluginDescriptor rubrika_plugin_descriptor_value = {
    kFutureAbiVersion,
    static_cast<uint32_t>(sizeof(rubrika::PluginDescriptor)),
    RUBRIKA_BUILD_ID,
    "calibrator",
    "test_bad_abi",
    "9.9.9",
    "test plugin: wrong ABI version",
    nullptr,
    nullptr};
}
BOOST_DLL_ALIAS(rubrika_plugin_export::rubrika_plugin_descriptor_value, rubrika_plugin_descriptor)
