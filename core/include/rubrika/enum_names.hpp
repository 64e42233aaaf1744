// EnumName: the table that ties an enum option's values to the names recipes and artifacts
// use. Each enum option has exactly one table, next to the enum; the option reader parses
// with it (OptionsReader::get_enum) and to_toml / metrics.json / messages write with it
// (enum_name), so a name is spelled in one place only.
//
//   enum class Activation { gelu, tanh, relu };
//   inline constexpr rubrika::EnumName<Activation> kActivationNames[] = {
//       {"gelu", Activation::gelu}, {"tanh", Activation::tanh}, {"relu", Activation::relu}};
//   o.activation = in.get_enum("activation", o.activation, kActivationNames);
//   out.insert("activation", rubrika::enum_name(kActivationNames, o.activation));
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rubrika {

template <class E>
struct EnumName {
  const char* name;  // as written in recipes, e.g. "pooled"
  E value;
};

namespace detail {
// Throws rubrika::Error: a value missing from its table is a bug, not a recipe problem.
[[noreturn]] void throw_unnamed_enum_value(long long value);
}  // namespace detail

// The name of `value` in `names`.
template <class E, size_t N>
const char* enum_name(const EnumName<E> (&names)[N], E value) {
  for (const auto& entry : names)
    if (entry.value == value) return entry.name;
  detail::throw_unnamed_enum_value(static_cast<long long>(value));
}

// The value named `name` in `names`, or nullopt.
template <class E, size_t N>
std::optional<E> enum_value(const EnumName<E> (&names)[N], std::string_view name) {
  for (const auto& entry : names)
    if (name == entry.name) return entry.value;
  return std::nullopt;
}

// Every name of `names`, in table order (for "one of: ..." messages).
template <class E, size_t N>
std::vector<std::string> enum_names(const EnumName<E> (&names)[N]) {
  std::vector<std::string> out;
  out.reserve(N);
  for (const auto& entry : names) out.emplace_back(entry.name);
  return out;
}

}  // namespace rubrika
