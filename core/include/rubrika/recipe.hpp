// Recipe: one TOML file that describes a whole pipeline.
//
// Sections: [run] [data] [normalizer] [encoder] [head] [train] [calibrator] [ood]
// [reranker] [decision] [baseline] [serve] [plugins]. The core validates the sections it owns
// ([run], [plugins]); each plugin section names its plugin with `type = "..."` and the
// plugin validates the rest into its own Options. An unknown section or key is an error
// with file:line:col and a "did you mean" suggestion.
//
// Overrides: `--set section.key=value` (value in TOML syntax; a bare word is taken as a
// string) replaces or adds one value and goes through the same validation, with errors
// pointing at the --set argument.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {

// [run]: what this run is called and where it writes.
struct RunOptions {
  std::string name = "run";                   // run folder name
  std::filesystem::path output_dir = "runs";  // parent of the run folder, relative to the recipe
  uint64_t seed = 42;                         // every random choice derives from it
  std::string device = "auto";                // auto | cpu | cuda | cuda:N

  std::filesystem::path run_dir() const { return output_dir / name; }
};

// [plugins]: extra folders to search for plugin libraries.
struct PluginsOptions {
  std::vector<std::filesystem::path> paths;  // absolute after resolution
};

// The sections a recipe may have, in pipeline order.
const std::vector<std::string>& recipe_sections();
// The sections whose table selects a plugin with `type`, with the plugin kind of each.
const std::vector<std::pair<std::string, std::string>>& plugin_sections();

class Recipe {
 public:
  // Parses `file` and applies `overrides` ("section.key=value"). Throws RecipeError
  // (syntax errors, unknown sections, bad [run]/[plugins] values, bad overrides) or
  // IoError (file missing or unreadable).
  static Recipe load(const std::filesystem::path& file,
                     const std::vector<std::string>& overrides = {});
  // Same, from text; `origin` names it in messages and its folder resolves relative paths.
  static Recipe parse(const std::string& text, const std::filesystem::path& origin,
                      const std::vector<std::string>& overrides = {});

  const std::filesystem::path& file() const { return file_; }
  std::filesystem::path folder() const { return file_.parent_path(); }
  const toml::table& table() const { return table_; }

  const RunOptions& run() const { return run_; }
  const PluginsOptions& plugins() const { return plugins_; }

  // A section's table, or nullptr when the recipe does not have it.
  const toml::table* section(const std::string& name) const;
  // The `type` of a plugin section, or "" when the section is absent.
  std::string plugin_type(const std::string& section) const;

  // The resolved recipe as TOML text: overrides applied, [run] output_dir and
  // [plugins] paths made absolute.
  std::string resolved_toml() const;

 private:
  Recipe() = default;
  void validate_sections() const;
  void read_core_sections();
  std::filesystem::path file_;
  toml::table table_;
  RunOptions run_;
  PluginsOptions plugins_;
};

// Applies one "section.key=value" override to `table`. Exposed for tests.
void apply_override(toml::table& table, const std::string& override_text);

}  // namespace rubrika
