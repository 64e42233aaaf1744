// The sections of report.html, one function each (private to report/src). Each takes
// the whole metrics.json object and returns an HTML fragment; a section whose stage did not
// run says "not run". Every string from the metrics (label names are user data) is escaped.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace rubrika::report {

std::string headline_section(const nlohmann::json& metrics);
std::string summary_section(const nlohmann::json& metrics);
std::string classifier_section(const nlohmann::json& metrics);
std::string confusion_section(const nlohmann::json& metrics);
std::string calibration_section(const nlohmann::json& metrics);
std::string ood_section(const nlohmann::json& metrics);
std::string reranker_section(const nlohmann::json& metrics);
std::string baseline_section(const nlohmann::json& metrics);
std::string serving_section(const nlohmann::json& metrics);

// Lookups that never throw: a missing key or a value of another type gives the fallback.
const nlohmann::json& child(const nlohmann::json& j, const char* key);  // null json when absent
double number_at(const nlohmann::json& j, const char* key, double fallback = 0);
bool has_number(const nlohmann::json& j, const char* key);
std::string text_at(const nlohmann::json& j, const char* key, const std::string& fallback = "–");
// The value formatted with `precision` significant digits, or "–" when it is absent.
std::string cell(const nlohmann::json& j, const char* key, int precision = 4);
std::string not_run(const std::string& what);

}  // namespace rubrika::report
