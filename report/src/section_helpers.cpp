#include "sections.hpp"

#include "svg.hpp"

#include <rubrika/error.hpp>

namespace rubrika::report {

using nlohmann::json;

const json& child(const json& j, const char* key) {
  static const json null_json;
  if (!j.is_object()) return null_json;
  const auto it = j.find(key);
  return it == j.end() ? null_json : *it;
}

bool has_number(const json& j, const char* key) { return child(j, key).is_number(); }

double number_at(const json& j, const char* key, double fallback) {
  return has_number(j, key) ? child(j, key).get<double>() : fallback;
}

std::string text_at(const json& j, const char* key, const std::string& fallback) {
  const json& value = child(j, key);
  return value.is_string() ? value.get<std::string>() : fallback;
}

std::string cell(const json& j, const char* key, int precision) {
  return has_number(j, key) ? number(child(j, key).get<double>(), precision) : "–";
}

std::string not_run(const std::string& what) {
  return "<p class='empty'>" + escape(what) + ": not run.</p>";
}

std::vector<double> numbers(const json& array, const std::string& field) {
  if (!array.is_array()) throw InputError(field + " must be an array of numbers", "metrics.json");
  std::vector<double> out;
  for (const auto& v : array) {
    if (!v.is_number()) throw InputError(field + " must hold numbers only", "metrics.json");
    out.push_back(v.get<double>());
  }
  return out;
}

}  // namespace rubrika::report
