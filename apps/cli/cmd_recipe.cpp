// rubrika recipe check RECIPE [--set k=v ...]
// rubrika recipe show RECIPE [--set k=v ...]
#include "cli_common.hpp"

#include <rubrika/recipe.hpp>
#include <rubrika/serve/serve_options.hpp>
#include <rubrika/train/recipe_check.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace rubrika::cli {
namespace {

struct RecipeArgs {
  std::string file;
  std::vector<std::string> overrides;
};

std::optional<RecipeArgs> parse_recipe_args(const std::vector<std::string>& args,
                                            const std::string& usage) {
  RecipeArgs parsed;
  po::options_description options(usage);
  options.add_options()("recipe", po::value(&parsed.file)->required(), "the recipe file")(
      "set", po::value(&parsed.overrides)->composing(),
      "override one value: section.key=value (repeatable)");
  po::positional_options_description positional;
  positional.add("recipe", 1);
  if (!parse_options(args, usage, options, positional)) return std::nullopt;
  return parsed;
}

}  // namespace

int run_recipe_check(const std::vector<std::string>& args) {
  auto parsed =
      parse_recipe_args(args, "rubrika recipe check RECIPE [--set section.key=value ...]");
  if (!parsed) return kOk;
  Recipe recipe = Recipe::load(parsed->file, parsed->overrides);
  const RecipeCheck check = check_recipe(recipe, registry_for(&recipe));
  // [serve] is read by `rubrika serve`, not by a training stage.
  const toml::table* serve = recipe.section("serve");
  (void)serve::ServeOptions::from_toml(serve ? *serve : toml::table{});
  const std::vector<std::string>& used = check.plugins;
  std::cout << "recipe OK: " << recipe.file().string()
            << "\n  run folder: " << recipe.run().run_dir().string() << "\n  plugins:";
  if (used.empty()) std::cout << " none";
  for (const auto& name : used) std::cout << " " << name;
  std::cout << "\n";
  return kOk;
}

int run_recipe_show(const std::vector<std::string>& args) {
  auto parsed = parse_recipe_args(args, "rubrika recipe show RECIPE [--set section.key=value ...]");
  if (!parsed) return kOk;
  Recipe recipe = Recipe::load(parsed->file, parsed->overrides);
  std::cout << recipe.resolved_toml();
  return kOk;
}

}  // namespace rubrika::cli
