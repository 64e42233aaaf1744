// How a plugin library describes itself to the host.
//
// A plugin is a shared library (CMake MODULE, see cmake/RubrikaPlugin.cmake) that exports
// exactly one symbol, `rubrika_plugin_descriptor`, through BOOST_DLL_ALIAS. The host reads
// the first two fields (abi_version, descriptor_size) and build_id before it touches
// anything else, so an incompatible library is refused with a clear message instead of
// crashing.
//
// Writing a plugin:
//
//   class TemperatureCalibrator : public rubrika::Calibrator {
//    public:
//     struct Options { ... static Options from_toml(const toml::table&); };
//     static constexpr const char* kVersion = "1.0.0";
//     static constexpr const char* kDescription = "one temperature minimising validation NLL";
//     TemperatureCalibrator(const rubrika::PluginContext&, Options);
//     ...
//   };
//   RUBRIKA_PLUGIN(rubrika::Calibrator, "temperature", TemperatureCalibrator)
//
// ABI rules: bump kPluginAbiVersion when PluginDescriptor's layout or meaning changes or
// when an interface in core/include/rubrika changes a virtual function; adding a new
// interface or a non-virtual helper does not bump it. The build id must match exactly
// because C++ objects (tensors, strings, unique_ptr) cross the boundary.
#pragma once

#include <rubrika/calibrator.hpp>
#include <rubrika/component.hpp>
#include <rubrika/encoder.hpp>
#include <rubrika/head.hpp>
#include <rubrika/ood_scorer.hpp>
#include <rubrika/reranker.hpp>

#include <toml++/toml.h>
#include <torch/version.h>
#include <boost/config.hpp>
#include <boost/dll/alias.hpp>

#include <cstdint>
#include <memory>

namespace rubrika {

// 2: Head::feature_source() added (a new virtual function moves the vtable).
// 3: Head::loss() removed: the loss is the trainer's (train/include/rubrika/train/loss.hpp).
inline constexpr uint32_t kPluginAbiVersion = 4;

#define RUBRIKA_STRINGIFY_INNER(x) #x
#define RUBRIKA_STRINGIFY(x) RUBRIKA_STRINGIFY_INNER(x)

// Compiler + libtorch version + C++ standard + C++ ABI: everything that decides whether
// C++ objects can cross between host and plugin. Evaluated where the macro is expanded,
// so a plugin records its own build and the host its own.
#define RUBRIKA_BUILD_ID                         \
  "gcc " __VERSION__ "; libtorch " TORCH_VERSION \
  "; c++" RUBRIKA_STRINGIFY(__cplusplus) "; cxx11abi " RUBRIKA_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)

using PluginCreateFn = std::unique_ptr<Component> (*)(const PluginContext&, const toml::table&);
using PluginCheckFn = void (*)(const PluginContext&, const toml::table&);

// Plain data, laid out once for all ABI versions: the first two fields never move.
struct PluginDescriptor {
  uint32_t abi_version;      // kPluginAbiVersion the plugin was built with
  uint32_t descriptor_size;  // sizeof(PluginDescriptor) the plugin was built with
  const char* build_id;      // RUBRIKA_BUILD_ID of the plugin's build
  const char* kind;          // "encoder", "head", "calibrator", "ood", "reranker"
  const char* name;          // unique within its kind, e.g. "bert"
  const char* version;       // the plugin's own version, e.g. "1.0.0"
  const char* description;   // one line for `rubrika plugins list`
  PluginCreateFn create;     // builds the component from its recipe table
  PluginCheckFn check;       // validates the recipe table only (throws RecipeError)
};

// The kind string of each interface.
template <class Interface>
struct PluginKind;
template <>
struct PluginKind<Encoder> {
  static constexpr const char* name = "encoder";
};
template <>
struct PluginKind<Head> {
  static constexpr const char* name = "head";
};
template <>
struct PluginKind<Calibrator> {
  static constexpr const char* name = "calibrator";
};
template <>
struct PluginKind<OodScorer> {
  static constexpr const char* name = "ood";
};
template <>
struct PluginKind<Reranker> {
  static constexpr const char* name = "reranker";
};

// Every kind, in pipeline order.
inline constexpr const char* kPluginKinds[] = {"encoder", "head", "calibrator", "ood", "reranker"};

namespace detail {
template <class Interface, class Class>
std::unique_ptr<Component> create_plugin(const PluginContext& context, const toml::table& table) {
  static_assert(std::is_base_of_v<Interface, Class>, "plugin class must implement its kind");
  return std::make_unique<Class>(context, Class::Options::from_toml(table));
}
template <class Class>
void check_plugin(const PluginContext&, const toml::table& table) {
  (void)Class::Options::from_toml(table);
}
}  // namespace detail

}  // namespace rubrika

// Declares the library's one plugin. Use once, at namespace scope, in one .cpp file.
#define RUBRIKA_PLUGIN(Interface, NAME, Class)                          \
  namespace rubrika_plugin_export {                                     \
  const ::rubrika::PluginDescriptor rubrika_plugin_descriptor_value = { \
      ::rubrika::kPluginAbiVersion,                                     \
      static_cast<uint32_t>(sizeof(::rubrika::PluginDescriptor)),       \
      RUBRIKA_BUILD_ID,                                                 \
      ::rubrika::PluginKind<Interface>::name,                           \
      NAME,                                                             \
      Class::kVersion,                                                  \
      Class::kDescription,                                              \
      &::rubrika::detail::create_plugin<Interface, Class>,              \
      &::rubrika::detail::check_plugin<Class>};                         \
  }                                                                     \
  BOOST_DLL_ALIAS(rubrika_plugin_export::rubrika_plugin_descriptor_value, rubrika_plugin_descriptor)
