#include "recipe_changes.hpp"

#include <toml++/toml.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

namespace rubrika::detail {
namespace {

// The shortest decimal that reads back as `value` (0.05, not 0.050000000000000003).
std::string shortest(double value) {
  char text[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

std::string value_text(const toml::node& node) {
  if (const auto* number = node.as_floating_point()) return shortest(number->get());
  std::ostringstream text;
  node.visit([&text](const auto& value) { text << value; });
  return text.str();
}

// "section.key.sub" → the value as TOML text, for every leaf (arrays count as one value).
void flatten(const toml::table& table, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (const toml::table* inner = node.as_table()) {
      flatten(*inner, path, out);
      continue;
    }
    out[path] = value_text(node);
  }
}

std::map<std::string, std::string> leaves(const std::string& recipe) {
  std::map<std::string, std::string> out;
  flatten(toml::parse(recipe), "", out);
  return out;
}

}  // namespace

std::vector<std::string> recipe_changes(const std::string& before, const std::string& after) {
  const auto old_values = leaves(before), new_values = leaves(after);
  std::map<std::string, std::pair<std::string, std::string>> changed;
  for (const auto& [key, value] : old_values) {
    auto found = new_values.find(key);
    if (found == new_values.end())
      changed[key] = {value, "(absent)"};
    else if (found->second != value)
      changed[key] = {value, found->second};
  }
  for (const auto& [key, value] : new_values)
    if (old_values.count(key) == 0) changed[key] = {"(absent)", value};
  std::vector<std::string> lines;
  for (const auto& [key, values] : changed)
    lines.push_back(key + ": " + values.first + " → " + values.second);
  return lines;
}

}  // namespace rubrika::detail
