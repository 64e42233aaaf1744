// OptionsReader: reads one recipe table into a typed Options struct, strictly.
//
// Every plugin's Options::from_toml is written with it:
//
//   Options Options::from_toml(const toml::table& table) {
//     rubrika::OptionsReader in(table, "calibrator");
//     Options o;
//     o.max_iterations = in.get_int("max_iterations", o.max_iterations, 1, 100000);
//     o.init = in.get_enum("init", o.init, kInitNames);  // an EnumName table, see enum_names.hpp
//     in.finish();  // unknown keys are errors, with a "did you mean" suggestion
//     return o;
//   }
//
// Errors are rubrika::RecipeError with where = "file:line:col" of the offending value
// (or of the table when a required key is missing). Relative paths resolve against the
// folder of the file the value came from (the recipe's folder; the working folder for
// --set overrides).
#pragma once

#include <rubrika/enum_names.hpp>

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rubrika {

class OptionsReader {
 public:
  // `section` names the table in messages, e.g. "encoder" or "ood.mahalanobis".
  // A plugin table may carry `type` (read by the host); core tables pass false.
  OptionsReader(const toml::table& table, std::string section, bool plugin_table = true);

  bool has(const std::string& key) const;

  std::string get_string(const std::string& key, const std::string& fallback);
  std::string require_string(const std::string& key);
  // One of the names in `names` (an EnumName table), as its enum value; any other string
  // is an error at the value's file:line:col listing the names.
  template <class E, size_t N>
  E get_enum(const std::string& key, E fallback, const EnumName<E> (&names)[N]) {
    return names[choose_(key, enum_name(names, fallback), enum_names(names))].value;
  }
  bool get_bool(const std::string& key, bool fallback);
  int64_t get_int(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  // Accepts integers too (lr = 1 is fine). Bounds are inclusive.
  double get_double(const std::string& key, double fallback, double min, double max);
  std::vector<std::string> get_strings(const std::string& key,
                                       const std::vector<std::string>& fallback);
  std::vector<double> get_doubles(const std::string& key, const std::vector<double>& fallback);
  // A path, absolute after resolving against the folder of the file it came from.
  std::filesystem::path get_path(const std::string& key, const std::filesystem::path& fallback);
  std::vector<std::filesystem::path> get_paths(const std::string& key);
  // A nested table (e.g. [encoder.init]); nullptr when absent, error when not a table.
  const toml::table* get_table(const std::string& key);

  // Marks a key as known without reading it (e.g. "type", read by the host).
  void allow(const std::string& key);
  // Throws RecipeError for the first key that was never read or allowed.
  void finish() const;

  // "file:line:col" of a node, or of this table when `node` is null.
  std::string where(const toml::node* node = nullptr) const;
  [[noreturn]] void fail(const std::string& key, const std::string& problem,
                         const std::string& hint = {}) const;

 private:
  const toml::node* node_(const std::string& key);
  // Index in `choices` of the string at `key` (`fallback` when absent).
  size_t choose_(const std::string& key, const std::string& fallback,
                 const std::vector<std::string>& choices);
  const toml::table& table_;
  std::string section_;
  std::set<std::string> known_;
};

// "file:line:col" of a toml node's source, "file" if it has no position, "" if unknown.
std::string source_location(const toml::source_region& region);

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(const std::string& a, const std::string& b);
// The closest candidate within a small distance, or "" when none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rubrika
