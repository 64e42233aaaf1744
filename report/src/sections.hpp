// The sections of report.html, one function each (private to report/src). Each takes
// the whole metrics.json object and returns an HTML fragment; a section whose stage did not
// run says "not run". Every string from the metrics (label names are user data) is escaped.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

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

// Multi-label runs (multilabel_sections.cpp). The two sections are shown only when
// is_multi_label_run; calibration_section and baseline_section hand over to the multi-label
// versions when their part of the metrics says_multi_label.
bool is_multi_label_run(const nlohmann::json& metrics);         // "multilabel" or data.multi_label
bool says_multi_label(const nlohmann::json& section);           // section.multi_label is true
std::string multilabel_section(const nlohmann::json& metrics);  // thresholds, per-label blocks
std::string cooccurrence_section(const nlohmann::json& metrics);  // true / predicted pairs
std::string multilabel_calibration_section(const nlohmann::json& metrics);
std::string multilabel_baseline_section(const nlohmann::json& metrics);

// Runs with a [pretrain] stage (pretrain_section.cpp): shown only when is_pretrained_run.
bool is_pretrained_run(const nlohmann::json& metrics);  // metrics.pretrain is an object
std::string pretrain_section(const nlohmann::json& metrics);

// Runs `rubrika extend` made (extend_sections.cpp): shown only when is_extended_run.
bool is_extended_run(const nlohmann::json& metrics);  // metrics.lineage is a non-empty list
std::string lineage_section(const nlohmann::json& metrics);

// Lookups that never throw: a missing key or a value of another type gives the fallback.
const nlohmann::json& child(const nlohmann::json& j, const char* key);  // null json when absent
double number_at(const nlohmann::json& j, const char* key, double fallback = 0);
bool has_number(const nlohmann::json& j, const char* key);
std::string text_at(const nlohmann::json& j, const char* key, const std::string& fallback = "–");
// The value formatted with `precision` significant digits, or "–" when it is absent.
std::string cell(const nlohmann::json& j, const char* key, int precision = 4);
std::string not_run(const std::string& what);
// `array` as numbers; throws InputError naming `field` when it is not an array of numbers.
std::vector<double> numbers(const nlohmann::json& array, const std::string& field);

}  // namespace rubrika::report
