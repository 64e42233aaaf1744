#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/recipe.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>

namespace rubrika {
namespace {

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(file))
      throw IoError("recipe file not found", file.string(), "check the path");
    throw IoError("cannot read recipe file", file.string());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

toml::table parse_toml(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw RecipeError(std::string(e.description()), source_location(e.source()),
                      "fix the TOML syntax");
  }
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

bool is_bare_key(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

const std::vector<std::string>& recipe_sections() {
  // In pipeline order; each is described in docs/recipes.md.
  static const std::vector<std::string> sections = {
      "run",        "plugins",   "data",           "normalizer", "vocab",      "encoder",
      "pretrain",   "long_text", "head",           "train",      "calibrator", "ood",
      "ood_report", "reranker",  "reranker_train", "decision",   "baseline",   "serve"};
  return sections;
}

const std::vector<std::pair<std::string, std::string>>& plugin_sections() {
  static const std::vector<std::pair<std::string, std::string>> sections = {
      {"encoder", "encoder"},
      {"head", "head"},
      {"calibrator", "calibrator"},
      {"ood", "ood"},
      {"reranker", "reranker"}};
  return sections;
}

void apply_override(toml::table& table, const std::string& override_text) {
  const std::string origin = "--set " + override_text;
  const size_t equals = override_text.find('=');
  if (equals == std::string::npos)
    throw RecipeError("override has no '='", origin, "write --set section.key=value");
  const std::string dotted = override_text.substr(0, equals);
  const std::string value = override_text.substr(equals + 1);
  std::vector<std::string> path = split(dotted, '.');
  if (path.size() < 2)
    throw RecipeError("override must name a section and a key", origin,
                      "write --set section.key=value, e.g. --set run.seed=7");
  for (const auto& part : path)
    if (!is_bare_key(part))
      throw RecipeError("bad key '" + part + "' in override", origin,
                        "keys are letters, digits, '_' and '-'");
  // The value is TOML (7, 0.5, true, "text", [1, 2]); a bare word that is not valid TOML is
  // taken as a string so that --set run.device=cpu works without quotes.
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + value, origin);
  } catch (const toml::parse_error&) {
    // Re-parse the properly quoted string so the value keeps "--set ..." as its source.
    toml::table quoted;
    quoted.insert("value", value);
    std::ostringstream text;
    text << quoted;
    parsed = toml::parse(text.str(), origin);
  }
  toml::table* target = &table;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    toml::node* next = target->get(path[i]);
    if (next == nullptr) {
      target->insert(path[i], toml::table{});
      next = target->get(path[i]);
    }
    if (!next->is_table())
      throw RecipeError("'" + path[i] + "' is not a table, cannot set a key inside it", origin);
    target = next->as_table();
  }
  toml::node* node = parsed.get("value");
  target->insert_or_assign(path.back(), std::move(*node));
}

Recipe Recipe::load(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  std::filesystem::path absolute = std::filesystem::absolute(file).lexically_normal();
  if (std::filesystem::is_directory(absolute))
    throw IoError("expected a recipe file, got a folder", absolute.string());
  return parse(read_file(absolute), absolute, overrides);
}

Recipe Recipe::parse(const std::string& text, const std::filesystem::path& origin,
                     const std::vector<std::string>& overrides) {
  Recipe recipe;
  recipe.file_ = std::filesystem::absolute(origin).lexically_normal();
  recipe.table_ = parse_toml(text, recipe.file_.string());
  for (const auto& item : overrides) apply_override(recipe.table_, item);
  recipe.validate_sections();
  recipe.read_core_sections();
  return recipe;
}

void Recipe::validate_sections() const {
  const auto& known = recipe_sections();
  for (const auto& [key, node] : table_) {
    std::string name(key.str());
    std::string where = source_location(key.source().begin.line ? key.source() : node.source());
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string suggestion = closest_match(name, known);
      std::string hint = suggestion.empty() ? "" : "did you mean [" + suggestion + "]?";
      std::string list;
      for (const auto& s : known) list += (list.empty() ? "" : ", ") + s;
      throw RecipeError("unknown section [" + name + "]", where,
                        hint.empty() ? "known sections: " + list : hint);
    }
    if (!node.is_table())
      throw RecipeError("'" + name + "' must be a table ([" + name + "])", where);
  }
  for (const auto& [section, kind] : plugin_sections()) {
    const toml::table* table = this->section(section);
    if (table == nullptr) continue;
    const toml::node* type = table->get("type");
    if (type == nullptr)
      throw RecipeError(
          "[" + section + "] does not say which plugin to use", source_location(table->source()),
          "add type = \"<name>\"; `rubrika plugins list` shows the " + kind + " plugins");
    if (!type->is_string() || type->as_string()->get().empty())
      throw RecipeError("[" + section + "] type must be a non-empty string",
                        source_location(type->source()));
  }
}

void Recipe::read_core_sections() {
  static const toml::table empty;
  const toml::table* run = section("run");
  OptionsReader in(run ? *run : empty, "run", false);
  run_.name = in.get_string("name", run_.name);
  if (run_.name.empty() || run_.name.find('/') != std::string::npos || run_.name == "." ||
      run_.name == "..")
    in.fail("name", "'" + run_.name + "' is not a usable folder name");
  std::filesystem::path default_output = (folder() / run_.output_dir).lexically_normal();
  run_.output_dir = in.get_path("output_dir", default_output);
  run_.seed = static_cast<uint64_t>(
      in.get_int("seed", static_cast<int64_t>(run_.seed), 0, std::numeric_limits<int64_t>::max()));
  run_.device = in.get_string("device", run_.device);
  const std::string& d = run_.device;
  if (!(d == "auto" || d == "cpu" || d == "cuda" ||
        (d.rfind("cuda:", 0) == 0 && d.size() > 5 &&
         d.find_first_not_of("0123456789", 5) == std::string::npos)))
    in.fail("device", "'" + d + "' is not a device", "use auto, cpu, cuda or cuda:N");
  // [run.distributed] is the trainer's (rubrika/train/distributed_options.hpp).
  in.allow("distributed");
  in.finish();

  const toml::table* plugins = section("plugins");
  OptionsReader plugin_in(plugins ? *plugins : empty, "plugins", false);
  plugins_.paths = plugin_in.get_paths("paths");
  plugin_in.finish();
}

const toml::table* Recipe::section(const std::string& name) const {
  const toml::node* node = table_.get(name);
  return node ? node->as_table() : nullptr;
}

std::string Recipe::plugin_type(const std::string& section_name) const {
  const toml::table* table = section(section_name);
  if (table == nullptr) return {};
  const toml::node* type = table->get("type");
  return type && type->is_string() ? type->as_string()->get() : std::string();
}

namespace {

// [data] file paths made absolute, so a command that reopens the run folder's recipe.toml
// (`rubrika eval` on the test split) finds the same files: relative paths in the saved copy
// would resolve against the run folder instead of the original recipe's folder.
void absolutize_data_paths(toml::table& recipe, const std::filesystem::path& folder) {
  auto absolutize = [&](toml::table* table, std::initializer_list<const char*> keys) {
    if (table == nullptr) return;
    for (const char* key : keys) {
      const toml::value<std::string>* value = table->get_as<std::string>(key);
      if (value == nullptr || value->get().empty()) continue;
      const std::filesystem::path path(value->get());
      if (path.is_relative())
        table->insert_or_assign(key, (folder / path).lexically_normal().string());
    }
  };
  toml::table* data = recipe.get_as<toml::table>("data");
  absolutize(data, {"train", "validation", "test", "ood", "descriptions"});
  if (data != nullptr)
    absolutize(data->get_as<toml::table>("synth"), {"categories", "ood_categories"});
}

}  // namespace

std::string Recipe::resolved_toml() const {
  toml::table resolved = table_;
  toml::table* run = resolved.get_as<toml::table>("run");
  if (run == nullptr) {
    resolved.insert("run", toml::table{});
    run = resolved.get_as<toml::table>("run");
  }
  run->insert_or_assign("name", run_.name);
  run->insert_or_assign("output_dir", run_.output_dir.string());
  run->insert_or_assign("seed", static_cast<int64_t>(run_.seed));
  run->insert_or_assign("device", run_.device);
  if (!plugins_.paths.empty()) {
    toml::array paths;
    for (const auto& p : plugins_.paths) paths.push_back(p.string());
    toml::table* plugins = resolved.get_as<toml::table>("plugins");
    plugins->insert_or_assign("paths", std::move(paths));
  }
  absolutize_data_paths(resolved, std::filesystem::absolute(folder()));
  std::ostringstream out;
  out << "# resolved from " << file_.string() << "\n" << resolved << "\n";
  return out.str();
}

}  // namespace rubrika
