#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>

#include "recipe_testing.hpp"

#include <gtest/gtest.h>

namespace rubrika {
namespace {

toml::table parse(const std::string& text) { return test::parse_recipe_table(text); }

using test::recipe_error;

TEST(OptionsReader, ReadsTypedValuesAndDefaults) {
  auto table = parse("lr = 2e-5\nepochs = 3\nname = \"x\"\nfreeze = true\nwarmup = 1\n");
  OptionsReader in(table, "train");
  EXPECT_DOUBLE_EQ(in.get_double("lr", 1.0, 0.0, 1.0), 2e-5);
  EXPECT_EQ(in.get_int("epochs", 1, 1, 100), 3);
  EXPECT_EQ(in.get_string("name", "y"), "x");
  EXPECT_TRUE(in.get_bool("freeze", false));
  EXPECT_DOUBLE_EQ(in.get_double("warmup", 0.0, 0.0, 10.0), 1.0);  // integers are numbers
  EXPECT_EQ(in.get_int("missing", 7, 0, 10), 7);
  EXPECT_NO_THROW(in.finish());
}

TEST(OptionsReader, UnknownKeyGivesLineColumnAndSuggestion) {
  auto table = parse("learning_rate = 1\n  lerning_rat = 2\n");
  OptionsReader in(table, "train");
  in.get_double("learning_rate", 0, 0, 10);
  auto e = recipe_error([&] { in.finish(); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:2:3");
  EXPECT_NE(e.problem().find("unknown key 'lerning_rat'"), std::string::npos);
  EXPECT_EQ(e.hint(), "did you mean 'learning_rate'?");
}

TEST(OptionsReader, WrongTypeNamesKeyAndPosition) {
  auto table = parse("epochs = \"three\"\n");
  OptionsReader in(table, "train");
  auto e = recipe_error([&] { in.get_int("epochs", 1, 1, 10); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:1:10");
  EXPECT_NE(e.problem().find("expected an integer, got a string"), std::string::npos);
}

TEST(OptionsReader, OutOfRangeIsAnError) {
  auto table = parse("dropout = 1.5\n");
  OptionsReader in(table, "head");
  auto e = recipe_error([&] { in.get_double("dropout", 0.1, 0.0, 1.0); });
  EXPECT_NE(e.problem().find("out of range"), std::string::npos);
}

enum class Shape { circle, square, triangle };
constexpr EnumName<Shape> kShapeNames[] = {
    {"circle", Shape::circle}, {"square", Shape::square}, {"triangle", Shape::triangle}};

TEST(OptionsReader, EnumSuggestsClosestName) {
  auto table = parse("shape = \"squre\"\n");
  OptionsReader in(table, "train");
  auto e = recipe_error([&] { in.get_enum("shape", Shape::circle, kShapeNames); });
  EXPECT_EQ(e.hint(), "did you mean 'square'?");
}

TEST(OptionsReader, EnumReadsTheNamedValueOrTheFallback) {
  auto table = parse("shape = \"square\"\n");
  OptionsReader in(table, "draw");
  EXPECT_EQ(in.get_enum("shape", Shape::circle, kShapeNames), Shape::square);
  EXPECT_EQ(in.get_enum("missing", Shape::triangle, kShapeNames), Shape::triangle);
  EXPECT_NO_THROW(in.finish());  // get_enum marks its key as known
}

TEST(OptionsReader, UnknownEnumNameIsAnErrorNamingKeyPositionAndNames) {
  auto table = parse("name = \"x\"\n  shape = \"sqare\"\n");
  OptionsReader in(table, "draw");
  auto e = recipe_error([&] { in.get_enum("shape", Shape::circle, kShapeNames); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:2:11");
  EXPECT_NE(e.problem().find("[draw] shape"), std::string::npos) << e.problem();
  EXPECT_NE(e.problem().find("'sqare' is not one of: circle, square, triangle"), std::string::npos)
      << e.problem();
  EXPECT_EQ(e.hint(), "did you mean 'square'?");
}

TEST(OptionsReader, EnumOfTheWrongTypeIsAnError) {
  auto table = parse("shape = 3\n");
  OptionsReader in(table, "draw");
  auto e = recipe_error([&] { in.get_enum("shape", Shape::circle, kShapeNames); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:1:9");
  EXPECT_NE(e.problem().find("expected a string, got an integer"), std::string::npos);
}

TEST(EnumNames, NamesRoundTrip) {
  for (const auto& entry : kShapeNames) {
    EXPECT_EQ(enum_value(kShapeNames, enum_name(kShapeNames, entry.value)), entry.value);
    EXPECT_STREQ(enum_name(kShapeNames, entry.value), entry.name);
  }
  EXPECT_EQ(enum_value(kShapeNames, "hexagon"), std::nullopt);
  EXPECT_EQ(enum_names(kShapeNames), (std::vector<std::string>{"circle", "square", "triangle"}));
  EXPECT_THROW(enum_name(kShapeNames, static_cast<Shape>(42)), Error);
}

TEST(EnumNames, AWrittenNameReadsBackAsTheSameValue) {
  // What to_toml writes (enum_name) is what from_toml reads (get_enum).
  for (const auto& entry : kShapeNames) {
    toml::table table{{"shape", enum_name(kShapeNames, entry.value)}};
    OptionsReader in(table, "draw");
    EXPECT_EQ(in.get_enum("shape", Shape::circle, kShapeNames), entry.value);
  }
}

TEST(OptionsReader, RequiredKeyMissingPointsAtTable) {
  auto table = parse("[encoder]\ntype = \"bert\"\n");
  OptionsReader in(*table["encoder"].as_table(), "encoder");
  auto e = recipe_error([&] { in.require_string("model"); });
  EXPECT_NE(e.problem().find("missing the required key 'model'"), std::string::npos);
  EXPECT_EQ(e.where(), "/recipes/r.toml:1:1");
}

TEST(OptionsReader, PathsResolveAgainstTheRecipeFolder) {
  auto table = parse("model = \"models/tiny\"\nabs = \"/data/x\"\n");
  OptionsReader in(table, "encoder");
  EXPECT_EQ(in.get_path("model", {}), std::filesystem::path("/recipes/models/tiny"));
  EXPECT_EQ(in.get_path("abs", {}), std::filesystem::path("/data/x"));
}

TEST(OptionsReader, PluginTablesMayCarryTypeCoreTablesMayNot) {
  auto table = parse("type = \"bert\"\n");
  EXPECT_NO_THROW(OptionsReader(table, "encoder").finish());
  EXPECT_THROW(OptionsReader(table, "run", false).finish(), RecipeError);
}

TEST(OptionsReader, ArrayItemsAreTypeChecked) {
  auto table = parse("fields = [\"title\", 3]\n");
  OptionsReader in(table, "data");
  auto e = recipe_error([&] { in.get_strings("fields", {}); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:1:20");
}

TEST(ClosestMatch, FindsNearWordsOnly) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(closest_match("encodr", {"encoder", "head"}), "encoder");
  EXPECT_EQ(closest_match("zzzzzz", {"encoder", "head"}), "");
}

}  // namespace
}  // namespace rubrika
