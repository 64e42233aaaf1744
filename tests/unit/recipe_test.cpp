#include <rubrika/error.hpp>
#include <rubrika/recipe.hpp>

#include "recipe_testing.hpp"

#include <gtest/gtest.h>

namespace rubrika {
namespace {

const char* kRecipe = R"([run]
name = "ads"
output_dir = "out"
seed = 7

[calibrator]
type = "temperature"
)";

using test::recipe_error;

TEST(Recipe, ParsesRunSectionAndResolvesOutputDir) {
  Recipe r = Recipe::parse(kRecipe, "/work/recipes/ads.toml");
  EXPECT_EQ(r.run().name, "ads");
  EXPECT_EQ(r.run().seed, 7u);
  EXPECT_EQ(r.run().device, "auto");
  EXPECT_EQ(r.run().run_dir(), std::filesystem::path("/work/recipes/out/ads"));
  EXPECT_EQ(r.plugin_type("calibrator"), "temperature");
  EXPECT_EQ(r.plugin_type("encoder"), "");
}

TEST(Recipe, DefaultOutputDirIsRunsNextToTheRecipe) {
  Recipe r = Recipe::parse("", "/work/recipes/q.toml");
  EXPECT_EQ(r.run().run_dir(), std::filesystem::path("/work/recipes/runs/run"));
}

TEST(Recipe, SyntaxErrorHasLineAndColumn) {
  auto e = recipe_error([] { Recipe::parse("[run]\nname = \n", "/r/bad.toml"); });
  EXPECT_EQ(e.where().rfind("/r/bad.toml:2:", 0), 0u) << e.what();
}

TEST(Recipe, UnknownSectionSuggestsTheClosest) {
  auto e = recipe_error([] { Recipe::parse("[encodr]\ntype = \"bert\"\n", "/r/x.toml"); });
  EXPECT_EQ(e.where(), "/r/x.toml:1:2");
  EXPECT_EQ(e.hint(), "did you mean [encoder]?");
}

TEST(Recipe, MisspelledRunKeyIsRejected) {
  auto e = recipe_error([] { Recipe::parse("[run]\nsed = 3\n", "/r/x.toml"); });
  EXPECT_EQ(e.where(), "/r/x.toml:2:1");
  EXPECT_EQ(e.hint(), "did you mean 'seed'?");
}

TEST(Recipe, PluginSectionNeedsType) {
  auto e = recipe_error([] { Recipe::parse("[head]\ndropout = 0.1\n", "/r/x.toml"); });
  EXPECT_NE(e.problem().find("does not say which plugin"), std::string::npos);
}

TEST(Recipe, BadDeviceIsRejected) {
  auto e = recipe_error([] { Recipe::parse("[run]\ndevice = \"gpu\"\n", "/r/x.toml"); });
  EXPECT_EQ(e.where(), "/r/x.toml:2:10");
  EXPECT_NE(e.hint().find("cuda:N"), std::string::npos);
}

TEST(RecipeOverrides, ReplaceAddAndTypeCheck) {
  Recipe r = Recipe::parse(kRecipe, "/w/a.toml",
                           {"run.seed=11", "run.device=cpu", "calibrator.max_iter=50"});
  EXPECT_EQ(r.run().seed, 11u);
  EXPECT_EQ(r.run().device, "cpu");
  EXPECT_EQ(r.section("calibrator")->get("max_iter")->as_integer()->get(), 50);
}

TEST(RecipeOverrides, WrongTypePointsAtTheOverride) {
  auto e = recipe_error([] { Recipe::parse(kRecipe, "/w/a.toml", {"run.seed=abc"}); });
  EXPECT_EQ(e.where(), "--set run.seed=abc");
  EXPECT_NE(e.problem().find("expected an integer, got a string"), std::string::npos);
}

TEST(RecipeOverrides, MalformedOverridesAreErrors) {
  EXPECT_THROW(Recipe::parse(kRecipe, "/w/a.toml", {"run.seed"}), RecipeError);
  EXPECT_THROW(Recipe::parse(kRecipe, "/w/a.toml", {"seed=3"}), RecipeError);
  EXPECT_THROW(Recipe::parse(kRecipe, "/w/a.toml", {"run.name.x=3"}), RecipeError);
  auto e = recipe_error([] { Recipe::parse(kRecipe, "/w/a.toml", {"rnu.seed=3"}); });
  EXPECT_EQ(e.hint(), "did you mean [run]?");
}

TEST(RecipeOverrides, OverridePathsResolveAgainstWorkingFolder) {
  Recipe r = Recipe::parse(kRecipe, "/w/a.toml", {"run.output_dir=elsewhere"});
  EXPECT_EQ(r.run().output_dir, (std::filesystem::current_path() / "elsewhere").lexically_normal());
}

TEST(Recipe, ResolvedTomlReparsesToTheSameRun) {
  Recipe r = Recipe::parse(kRecipe, "/w/a.toml", {"run.seed=5"});
  Recipe again = Recipe::parse(r.resolved_toml(), "/elsewhere/b.toml");
  EXPECT_EQ(again.run().seed, 5u);
  EXPECT_EQ(again.run().run_dir(), r.run().run_dir());
  EXPECT_EQ(again.plugin_type("calibrator"), "temperature");
}

TEST(Recipe, MissingFileIsAnIoError) {
  EXPECT_THROW(Recipe::load("/no/such/recipe.toml"), IoError);
}

}  // namespace
}  // namespace rubrika
