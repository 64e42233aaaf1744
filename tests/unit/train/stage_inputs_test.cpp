// The resume stamp of every training stage follows what the stage declares: changing any
// declared table or upstream stamp reruns it, changing anything else does not, and a stage
// that reads an undeclared table fails instead of silently ignoring it in its stamp.
#include <rubrika/error.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/train/run_training.hpp>
#include <rubrika/train/stage_inputs.hpp>

#include <gtest/gtest.h>

#include <set>

namespace rubrika {
namespace {

const StageInputs& stage_named(const std::string& name) {
  for (const auto& stage : stage_inputs())
    if (stage.name == name) return stage;
  throw std::runtime_error("no stage " + name);
}

// A recipe with every table a stage may read, each with one key to change.
std::string recipe_text(const std::string& changed_section = {}) {
  std::string text = "[run]\nname = \"t\"\nseed = 7\n";
  for (const auto& section : recipe_sections()) {
    if (section == "run" || section == "plugins") continue;
    text += "[" + section + "]\n";
    for (const auto& [plugin_section, kind] : plugin_sections())
      if (plugin_section == section) text += "type = \"x\"\n";
    text += section == changed_section ? "probe = 2\n" : "probe = 1\n";
  }
  return text;
}

std::map<std::string, std::string> upstream_stamps(const std::string& changed = {}) {
  std::map<std::string, std::string> stamps;
  for (const auto& stage : stage_inputs())
    stamps[stage.name] = stage.name == changed ? "changed" : "stamp-" + stage.name;
  return stamps;
}

TEST(StageInputs, EveryStageIsListedOnceInOrder) {
  std::vector<std::string> names;
  for (const auto& stage : stage_inputs()) names.push_back(stage.name);
  EXPECT_EQ(names, training_stages());
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
}

TEST(StageInputs, EachDeclaredTableAndUpstreamStageChangesTheStampAndNothingElseDoes) {
  const Recipe base = Recipe::parse(recipe_text(), "/r/recipe.toml");
  for (const auto& stage : stage_inputs()) {
    const std::string stamp = stage_stamp(base, stage, upstream_stamps());
    for (const auto& section : recipe_sections()) {
      if (section == "run" || section == "plugins") continue;
      const Recipe changed = Recipe::parse(recipe_text(section), "/r/recipe.toml");
      const bool declared =
          std::find(stage.sections.begin(), stage.sections.end(), section) != stage.sections.end();
      EXPECT_EQ(stage_stamp(changed, stage, upstream_stamps()) != stamp, declared)
          << "stage " << stage.name << ", [" << section << "]";
    }
    for (const auto& other : stage_inputs()) {
      const bool declared = std::find(stage.upstream.begin(), stage.upstream.end(), other.name) !=
                            stage.upstream.end();
      EXPECT_EQ(stage_stamp(base, stage, upstream_stamps(other.name)) != stamp, declared)
          << "stage " << stage.name << ", upstream " << other.name;
    }
    const Recipe reseeded = Recipe::parse(recipe_text(), "/r/recipe.toml", {"run.seed=8"});
    EXPECT_NE(stage_stamp(reseeded, stage, upstream_stamps()), stamp) << stage.name;
  }
}

// A recipe without [pretrain] gives the classifier the stamp it had before the stage existed
// (run folders trained then stay current); with [pretrain] the stage's stamp counts.
TEST(StageInputs, AStageTheRecipeDoesNotRunAddsNothingDownstream) {
  const Recipe without =
      Recipe::parse("[run]\nname = \"t\"\n[encoder]\ntype = \"x\"\n", "/r/recipe.toml");
  EXPECT_EQ(stage_stamp(without, stage_named("pretrain"), upstream_stamps()), "");
  auto stamps = upstream_stamps();
  stamps["pretrain"] = "";
  auto before_the_stage = upstream_stamps();
  before_the_stage.erase("pretrain");
  StageInputs classifier_then = stage_named("classifier");
  classifier_then.upstream = {"data", "vocab"};  // the classifier before pretrain existed
  EXPECT_EQ(stage_stamp(without, stage_named("classifier"), stamps),
            stage_stamp(without, classifier_then, before_the_stage));
  const Recipe with = Recipe::parse(
      "[run]\nname = \"t\"\n[encoder]\ntype = \"x\"\n[pretrain]\nepochs = 2\n", "/r/recipe.toml");
  EXPECT_NE(stage_stamp(with, stage_named("pretrain"), upstream_stamps()), "");
}

TEST(StageInputs, ReadingAnUndeclaredTableIsAnErrorNamingStageAndTable) {
  const Recipe recipe = Recipe::parse(recipe_text(), "/r/recipe.toml");
  const StageInputs& calibrate = stage_named("calibrate");
  const StageRecipe tables(recipe, calibrate);
  EXPECT_NE(tables.section("calibrator"), nullptr);
  EXPECT_EQ(tables.plugin_type("calibrator"), "x");
  try {
    tables.section("train");
    FAIL() << "undeclared table read";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("stage 'calibrate' reads [train] without declaring it"), std::string::npos)
        << what;
  }
  EXPECT_THROW(tables.plugin_type("encoder"), Error);
}

TEST(StageInputs, UsingAnUndeclaredUpstreamOutputIsAnErrorNamingBothStages) {
  const StageInputs& calibrate = stage_named("calibrate");
  EXPECT_NO_THROW(check_upstream_declared(calibrate, "classifier"));
  EXPECT_NO_THROW(check_upstream_declared(calibrate, "data"));
  try {
    check_upstream_declared(calibrate, "vocab");
    FAIL() << "undeclared upstream used";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("stage 'calibrate' uses the output of stage 'vocab' without declaring it"),
              std::string::npos)
        << what;
  }
}

// Resume checks that a current stage's files are still there: each stage that writes an
// artifact declares it, inside the run folder, and the stages that write none declare none.
TEST(StageInputs, StagesDeclareTheRunFilesTheyWriteInsideTheRunFolder) {
  const RunLayout layout("/runs/r");
  std::map<std::string, std::vector<std::filesystem::path>> files;
  for (const auto& stage : stage_inputs())
    for (auto file : stage.files) files[stage.name].push_back(file(layout));
  using Paths = std::vector<std::filesystem::path>;
  EXPECT_EQ(files["classifier"], (Paths{layout.encoder(), layout.head()}));
  EXPECT_EQ(files["vocab"], (Paths{layout.vocab()}));
  EXPECT_EQ(files["reranker"], (Paths{layout.reranker()}));
  EXPECT_EQ(files["baseline"], (Paths{layout.baseline().encoder(), layout.baseline().head()}));
  EXPECT_EQ(files.count("data"), 0u);
  EXPECT_EQ(files.count("report"), 0u);
}

TEST(StageInputs, EachStageOwnsADistinctKeyOfMetricsJson) {
  std::set<std::string> keys;
  for (const auto& stage : stage_inputs())
    if (!stage.metrics_key.empty())
      EXPECT_TRUE(keys.insert(stage.metrics_key).second) << stage.metrics_key;
  // The keys the driver writes itself.
  EXPECT_EQ(keys.count("run"), 0u);
  EXPECT_EQ(keys.count("timings_s"), 0u);
}

}  // namespace
}  // namespace rubrika
