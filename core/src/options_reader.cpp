#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>

#include <map>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace rubrika {
namespace {

const char* type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

}  // namespace

namespace detail {
void throw_unnamed_enum_value(long long value) {
  throw Error("enum value " + std::to_string(value) + " has no name in its table", "",
              "add it to the option's EnumName table");
}
}  // namespace detail

std::string source_location(const toml::source_region& region) {
  std::string file = region.path ? *region.path : std::string();
  // Values from --set carry the override text as their "file"; it says all there is.
  if (region.begin.line == 0 || file.rfind("--set", 0) == 0) return file;
  return (file.empty() ? std::string("<recipe>") : file) + ":" + std::to_string(region.begin.line) +
         ":" + std::to_string(region.begin.column);
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

namespace {

// Keys of a plugin section that the host's training stage reads itself, so the plugin's
// reader accepts them without reading them: [reranker] allow_label_names (the reranker
// stage), [calibrator] min_validation and cv_folds (the calibrate stage). Each is
// documented in docs/recipes.md next to its section.
const std::vector<std::string>& host_keys(const std::string& section) {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"reranker", {"allow_label_names"}}, {"calibrator", {"min_validation", "cv_folds"}}};
  static const std::vector<std::string> none;
  auto found = keys.find(section);
  return found == keys.end() ? none : found->second;
}

}  // namespace

OptionsReader::OptionsReader(const toml::table& table, std::string section, bool plugin_table)
    : table_(table), section_(std::move(section)) {
  // `type` names the plugin; the host reads it, every plugin table may have it.
  if (!plugin_table) return;
  known_.insert("type");
  for (const auto& key : host_keys(section_)) known_.insert(key);
}

bool OptionsReader::has(const std::string& key) const { return table_.contains(key); }

std::string OptionsReader::where(const toml::node* node) const {
  return source_location(node ? node->source() : table_.source());
}

void OptionsReader::fail(const std::string& key, const std::string& problem,
                         const std::string& hint) const {
  throw RecipeError("[" + section_ + "] " + key + ": " + problem, where(table_.get(key)), hint);
}

const toml::node* OptionsReader::node_(const std::string& key) {
  known_.insert(key);
  return table_.get(key);
}

void OptionsReader::allow(const std::string& key) { known_.insert(key); }

std::string OptionsReader::get_string(const std::string& key, const std::string& fallback) {
  const toml::node* node = node_(key);
  if (node == nullptr) return fallback;
  if (!node->is_string()) fail(key, std::string("expected a string, got ") + type_name(*node));
  return node->as_string()->get();
}

std::string OptionsReader::require_string(const std::string& key) {
  if (!has(key))
    throw RecipeError("[" + section_ + "] is missing the required key '" + key + "'", where(),
                      "add " + key + " = \"...\"");
  return get_string(key, {});
}

size_t OptionsReader::choose_(const std::string& key, const std::string& fallback,
                              const std::vector<std::string>& choices) {
  std::string value = get_string(key, fallback);
  auto found = std::find(choices.begin(), choices.end(), value);
  if (found != choices.end()) return static_cast<size_t>(found - choices.begin());
  std::string suggestion = closest_match(value, choices);
  fail(key, "'" + value + "' is not one of: " + join(choices),
       suggestion.empty() ? "" : "did you mean '" + suggestion + "'?");
}

bool OptionsReader::get_bool(const std::string& key, bool fallback) {
  const toml::node* node = node_(key);
  if (node == nullptr) return fallback;
  if (!node->is_boolean())
    fail(key, std::string("expected true or false, got ") + type_name(*node));
  return node->as_boolean()->get();
}

int64_t OptionsReader::get_int(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  const toml::node* node = node_(key);
  if (node == nullptr) return fallback;
  if (!node->is_integer()) fail(key, std::string("expected an integer, got ") + type_name(*node));
  int64_t value = node->as_integer()->get();
  if (value < min || value > max)
    fail(key, std::to_string(value) + " is out of range [" + std::to_string(min) + ", " +
                  std::to_string(max) + "]");
  return value;
}

double OptionsReader::get_double(const std::string& key, double fallback, double min, double max) {
  const toml::node* node = node_(key);
  if (node == nullptr) return fallback;
  double value = 0;
  if (node->is_integer()) {
    value = static_cast<double>(node->as_integer()->get());
  } else if (node->is_floating_point()) {
    value = node->as_floating_point()->get();
  } else {
    fail(key, std::string("expected a number, got ") + type_name(*node));
  }
  if (!std::isfinite(value) || value < min || value > max) {
    std::ostringstream range;
    range << "[" << min << ", " << max << "]";
    std::ostringstream shown;
    shown << value;
    fail(key, shown.str() + " is out of range " + range.str());
  }
  return value;
}

std::vector<std::string> OptionsReader::get_strings(const std::string& key,
                                                    const std::vector<std::string>& fallback) {
  const toml::node* node = node_(key);
  if (node == nullptr) return fallback;
  if (!node->is_array())
    fail(key, std::string("expected an array of strings, got ") + type_name(*node));
  std::vector<std::string> values;
  for (const toml::node& item : *node->as_array()) {
    if (!item.is_string())
      throw RecipeError(
          "[" + section_ + "] " + key + ": expected strings only, got " + type_name(item),
          where(&item));
    values.push_back(item.as_string()->get());
  }
  return values;
}

std::vector<double> OptionsReader::get_doubles(const std::string& key,
                                               const std::vector<double>& fallback) {
  const toml::node* node = node_(key);
  if (node == nullptr) return fallback;
  if (!node->is_array())
    fail(key, std::string("expected an array of numbers, got ") + type_name(*node));
  std::vector<double> values;
  for (const toml::node& item : *node->as_array()) {
    if (item.is_integer()) {
      values.push_back(static_cast<double>(item.as_integer()->get()));
    } else if (item.is_floating_point()) {
      values.push_back(item.as_floating_point()->get());
    } else {
      throw RecipeError(
          "[" + section_ + "] " + key + ": expected numbers only, got " + type_name(item),
          where(&item));
    }
  }
  return values;
}

namespace {
// Relative paths resolve against the folder of the file the value was written in; values
// from --set (whose source names no file on disk) resolve against the working folder.
std::filesystem::path resolve_against_source(const toml::node& node, const std::string& value) {
  std::filesystem::path path(value);
  if (path.is_absolute()) return path.lexically_normal();
  std::filesystem::path base = std::filesystem::current_path();
  const auto& source = node.source().path;
  if (source && !source->empty() && source->rfind("--set", 0) != 0) {
    std::filesystem::path file(*source);
    base = std::filesystem::absolute(file).parent_path();
  }
  return (base / path).lexically_normal();
}
}  // namespace

std::filesystem::path OptionsReader::get_path(const std::string& key,
                                              const std::filesystem::path& fallback) {
  const toml::node* node = node_(key);
  if (node == nullptr) return fallback;
  if (!node->is_string()) fail(key, std::string("expected a path string, got ") + type_name(*node));
  if (node->as_string()->get().empty()) fail(key, "the path is empty");
  return resolve_against_source(*node, node->as_string()->get());
}

std::vector<std::filesystem::path> OptionsReader::get_paths(const std::string& key) {
  const toml::node* node = node_(key);
  std::vector<std::filesystem::path> paths;
  if (node == nullptr) return paths;
  if (node->is_string()) return {resolve_against_source(*node, node->as_string()->get())};
  if (!node->is_array())
    fail(key, std::string("expected an array of paths, got ") + type_name(*node));
  for (const toml::node& item : *node->as_array()) {
    if (!item.is_string())
      throw RecipeError(
          "[" + section_ + "] " + key + ": expected path strings only, got " + type_name(item),
          where(&item));
    paths.push_back(resolve_against_source(item, item.as_string()->get()));
  }
  return paths;
}

const toml::table* OptionsReader::get_table(const std::string& key) {
  const toml::node* node = node_(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) fail(key, std::string("expected a table, got ") + type_name(*node));
  return node->as_table();
}

void OptionsReader::finish() const {
  std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& [key, node] : table_) {
    std::string name(key.str());
    if (known_.count(name)) continue;
    std::string suggestion = closest_match(name, known);
    std::string hint =
        suggestion.empty() ? "known keys: " + join(known) : "did you mean '" + suggestion + "'?";
    throw RecipeError("[" + section_ + "] unknown key '" + name + "'",
                      source_location(key.source().begin.line ? key.source() : node.source()),
                      hint);
  }
}

}  // namespace rubrika
