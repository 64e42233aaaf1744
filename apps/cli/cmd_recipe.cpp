// rubrika recipe check RECIPE [--set k=v ...]
// rubrika recipe show RECIPE [--set k=v ...]
#include "cli_common.hpp"

#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/train/classifier_task.hpp>
#include <rubrika/train/distributed_options.hpp>
#include <rubrika/train/reranker_host_options.hpp>
#include <rubrika/train/reranker_train_options.hpp>

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

// A `model` key names a Hugging Face folder the run will load: say how to get it when it is
// not there yet (plugins check it only when they load it).
void check_model_folder(const Recipe& recipe, const std::string& section,
                        const toml::table& table) {
  const toml::node* node = table.get("model");
  if (node == nullptr || !node->is_string()) return;
  std::filesystem::path path(node->as_string()->get());
  if (path.is_relative()) path = recipe.folder() / path;
  if (std::filesystem::exists(path / "config.json")) return;
  throw RecipeError("[" + section + "] model: no Hugging Face model folder at " +
                        path.lexically_normal().string() + " (config.json missing)",
                    source_location(node->source()),
                    "download it first: scripts/download_model.sh <hub name, e.g. "
                    "DeepPavlov/rubert-base-cased> " +
                        path.lexically_normal().string());
}

// Validates every plugin section through its plugin's own Options reader.
std::vector<std::string> check_plugin_sections(const Recipe& recipe, PluginRegistry& registry) {
  std::vector<std::string> used;
  PluginContext context;
  context.recipe_dir = recipe.folder();
  context.seed = recipe.run().seed;
  for (const auto& [section, kind] : plugin_sections()) {
    const toml::table* table = recipe.section(section);
    if (table == nullptr) continue;
    const std::string type = recipe.plugin_type(section);
    // With [vocab], the vocab stage supplies [encoder.init] vocab when training runs.
    toml::table with_vocab;
    if (section == "encoder" && recipe.section("vocab") && table->get_as<toml::table>("init") &&
        !table->get_as<toml::table>("init")->contains("vocab")) {
      with_vocab = *table;
      with_vocab.get_as<toml::table>("init")->insert(
          "vocab", RunLayout(recipe.run().run_dir()).vocab().string());
      table = &with_vocab;
    }
    // [reranker] allow_label_names is read by the reranker stage (the plugin accepts it).
    if (section == "reranker") (void)RerankerHostOptions::read(*table);
    check_model_folder(recipe, section, *table);
    try {
      registry.check(kind, type, context, *table);
    } catch (const PluginError& e) {
      const toml::node* node = table->get("type");
      throw PluginError("[" + section + "] type = \"" + type + "\": " + e.problem(),
                        node ? source_location(node->source()) : recipe.file().string(), e.hint());
    }
    used.push_back(kind + "/" + type);
  }
  return used;
}

}  // namespace

int run_recipe_check(const std::vector<std::string>& args) {
  auto parsed =
      parse_recipe_args(args, "rubrika recipe check RECIPE [--set section.key=value ...]");
  if (!parsed) return kOk;
  Recipe recipe = Recipe::load(parsed->file, parsed->overrides);
  PluginRegistry& registry = registry_for(&recipe);
  std::vector<std::string> used = check_plugin_sections(recipe, registry);
  // The core tables the training stages read, with the same readers.
  if (const toml::table* train = recipe.section("train"))
    (void)ClassifierTraining::from_toml(*train);
  (void)RerankerTrainOptions::read(recipe.section("reranker_train"), recipe.run().seed);
  (void)DistributedOptions::read(recipe);
  static const toml::table empty;
  const toml::table* decision = recipe.section("decision");
  (void)DecisionOptions::from_toml(decision ? *decision : empty);
  const toml::table* long_text = recipe.section("long_text");
  (void)LongTextOptions::from_toml(long_text ? *long_text : empty);
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
