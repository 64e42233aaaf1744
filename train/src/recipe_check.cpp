#include <rubrika/train/recipe_check.hpp>

#include "run/baseline_options.hpp"
#include "run/calibration_guard.hpp"
#include "run/ood_scorer_specs.hpp"

#include <rubrika/data/dataset_files.hpp>
#include <rubrika/data/dataset_options.hpp>
#include <rubrika/error.hpp>
#include <rubrika/long_text.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/run_layout.hpp>
#include <rubrika/text/normalizer.hpp>
#include <rubrika/text/wordpiece_trainer.hpp>
#include <rubrika/train/classifier_task.hpp>
#include <rubrika/train/distributed_options.hpp>
#include <rubrika/train/pretrain_options.hpp>
#include <rubrika/train/reranker_host_options.hpp>
#include <rubrika/train/reranker_train_options.hpp>
#include <rubrika/train/stage_inputs.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace rubrika {
namespace {

namespace fs = std::filesystem;

const toml::table& or_empty(const toml::table* table) {
  static const toml::table empty;
  return table ? *table : empty;
}

// A `model` key names a Hugging Face folder the run will load: say how to get it when it is
// not there yet (plugins check it only when they load it).
void check_model_folder(const Recipe& recipe, const std::string& section,
                        const toml::table& table) {
  const toml::node* node = table.get("model");
  if (node == nullptr || !node->is_string()) return;
  fs::path path(node->as_string()->get());
  if (path.is_relative()) path = recipe.folder() / path;
  if (fs::exists(path / "config.json")) return;
  throw RecipeError("[" + section + "] model: no Hugging Face model folder at " +
                        path.lexically_normal().string() + " (config.json missing)",
                    source_location(node->source()),
                    "download it first: scripts/download_model.sh <hub name, e.g. "
                    "DeepPavlov/rubert-base-cased> " +
                        path.lexically_normal().string());
}

// [encoder] as the classifier stage will read it when that differs from the recipe's: with
// [vocab], the vocab stage supplies [encoder.init] vocab.
std::optional<toml::table> encoder_as_trained(const Recipe& recipe, const toml::table& table) {
  const toml::table* init = table.get_as<toml::table>("init");
  if (!recipe.section("vocab") || !init || init->contains("vocab")) return std::nullopt;
  toml::table out = table;
  out.get_as<toml::table>("init")->insert("vocab",
                                          RunLayout(recipe.run().run_dir()).vocab().string());
  return out;
}

// Checks one plugin table through its plugin's own Options reader.
void check_plugin(const Recipe& recipe, PluginRegistry& registry, const std::string& kind,
                  const std::string& type, const std::string& section, const toml::table& table) {
  PluginContext context;
  context.recipe_dir = recipe.folder();
  context.seed = recipe.run().seed;
  try {
    registry.check(kind, type, context, table);
  } catch (const PluginError& e) {
    const toml::node* node = table.get("type");
    throw PluginError("[" + section + "] type = \"" + type + "\": " + e.problem(),
                      node ? source_location(node->source()) : e.where(), e.hint());
  }
}

std::vector<std::string> check_plugin_sections(const Recipe& recipe, PluginRegistry& registry) {
  std::vector<std::string> used;
  for (const auto& [section, kind] : plugin_sections()) {
    const toml::table* table = recipe.section(section);
    if (table == nullptr) continue;
    const std::string type = recipe.plugin_type(section);
    // A copy loses the values' file:line:col, so the recipe's own table is checked unless the
    // vocab stage will change it.
    const auto with_vocab =
        section == "encoder" ? encoder_as_trained(recipe, *table) : std::nullopt;
    const toml::table& checked = with_vocab ? *with_vocab : *table;
    check_model_folder(recipe, section, checked);
    check_plugin(recipe, registry, kind, type, section, checked);
    used.push_back(kind + "/" + type);
  }
  if (recipe.section("ood")) {
    const auto& ood_stage = *std::find_if(stage_inputs().begin(), stage_inputs().end(),
                                          [](const StageInputs& s) { return s.name == "ood"; });
    const auto specs = detail::ood_scorer_specs(StageRecipe(recipe, ood_stage));
    for (size_t i = 1; i < specs.size(); ++i) {
      check_plugin(recipe, registry, "ood", specs[i].name, "ood_report." + specs[i].name,
                   specs[i].options);
      used.push_back("ood/" + specs[i].name);
    }
  }
  return used;
}

// [pretrain]: its keys, and every corpus file there before hours of training start.
void check_pretrain_table(const toml::table& table) {
  const PretrainOptions options = PretrainOptions::from_toml(table);
  for (const fs::path& file : options.corpus)
    if (!fs::is_regular_file(file))
      throw InputError("[pretrain] corpus: no file at " + file.lexically_normal().string(),
                       source_location(table.get("corpus")->source()),
                       "paths are relative to the recipe's folder");
}

// The core tables, each through the reader of the stage that uses it.
void check_core_tables(const Recipe& recipe) {
  (void)NormalizerOptions::from_toml(or_empty(recipe.section("normalizer")));  // word lists too
  // Without [data] the data stage stops at once with its own message; nothing is lost.
  if (const toml::table* data = recipe.section("data"))
    check_dataset_files(*data, DatasetOptions::from_toml(*data, recipe.run().seed));
  if (const toml::table* vocab = recipe.section("vocab"))
    (void)WordPieceTrainerOptions::from_toml(*vocab);
  if (const toml::table* pretrain = recipe.section("pretrain")) check_pretrain_table(*pretrain);
  (void)ClassifierTraining::from_toml(or_empty(recipe.section("train")));
  (void)LongTextOptions::from_toml(or_empty(recipe.section("long_text")));
  if (const toml::table* calibrator = recipe.section("calibrator"))
    (void)detail::CalibrationGuard::read(*calibrator);
  if (const toml::table* reranker = recipe.section("reranker"))
    (void)RerankerHostOptions::read(*reranker);
  (void)RerankerTrainOptions::read(recipe.section("reranker_train"), recipe.run().seed);
  (void)DecisionOptions::from_toml(or_empty(recipe.section("decision")));
  (void)detail::BaselineOptions::read(recipe.section("baseline"));
  (void)DistributedOptions::read(recipe);
}

}  // namespace

RecipeCheck check_recipe(const Recipe& recipe, PluginRegistry& registry) {
  RecipeCheck check;
  check_core_tables(recipe);
  check.plugins = check_plugin_sections(recipe, registry);
  return check;
}

}  // namespace rubrika
