#include <rubrika/data/dataset_options.hpp>

#include "test_util.hpp"

namespace rubrika {
namespace {

using test::caught;
using test::contains;

toml::table parse(const std::string& text) {
  return toml::parse(text, std::string("/recipes/r.toml"));
}

TEST(DatasetOptions, DefaultsAndRunSeed) {
  const DatasetOptions o = DatasetOptions::from_toml(parse("train = \"data/ads.csv\"\n"), 7);
  EXPECT_EQ(o.train, std::filesystem::path("/recipes/data/ads.csv"));
  EXPECT_EQ(o.text_fields, (std::vector<std::string>{"title", "description"}));
  EXPECT_EQ(o.joiner, ". ");
  EXPECT_EQ(o.label_field, "category");
  EXPECT_FALSE(o.multi_label);
  EXPECT_EQ(o.split, (std::array<double, 3>{0.72, 0.08, 0.20}));
  EXPECT_EQ(o.seed, 7u);
  EXPECT_EQ(o.empty_text, EmptyText::skip);
  EXPECT_EQ(o.max_rows, 0);
  EXPECT_FALSE(o.synth);
  EXPECT_EQ(o.format_of(o.train), DataFormat::csv);
  EXPECT_EQ(o.format_of("x.jsonl"), DataFormat::jsonl);
}

TEST(DatasetOptions, ExplicitSeedOverridesTheRunSeed) {
  EXPECT_EQ(DatasetOptions::from_toml(parse("train = \"a.csv\"\nseed = 3\n"), 7).seed, 3u);
}

TEST(DatasetOptions, UnknownKeyNamesLineAndColumn) {
  auto error = caught<RecipeError>(
      [] { DatasetOptions::from_toml(parse("train = \"a.csv\"\ntext_field = [\"title\"]\n"), 1); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->where(), "/recipes/r.toml:2:")) << error->what();
  EXPECT_TRUE(contains(error->what(), "text_fields")) << error->what();  // did you mean
}

TEST(DatasetOptions, RejectsBadValues) {
  EXPECT_TRUE(
      caught<RecipeError>([] { DatasetOptions::from_toml(parse("validation = \"v.csv\"\n"), 1); }));
  EXPECT_TRUE(caught<RecipeError>(
      [] { DatasetOptions::from_toml(parse("train = \"a.csv\"\nsplit = [0.5, 0.2, 0.2]\n"), 1); }));
  EXPECT_TRUE(caught<RecipeError>(
      [] { DatasetOptions::from_toml(parse("train = \"a.csv\"\nempty_text = \"drop\"\n"), 1); }));
  EXPECT_TRUE(caught<RecipeError>(
      [] { DatasetOptions::from_toml(parse("train = \"a.csv\"\nlabel_columns = [\"a\"]\n"), 1); }));
  auto format = caught<InputError>(
      [] { DatasetOptions::from_toml(parse("train = \"a.tsv\"\n"), 1).format_of("a.tsv"); });
  ASSERT_TRUE(format);
  EXPECT_TRUE(contains(format->hint(), "format"));
}

TEST(DatasetOptions, DescriptionsFromACatalogueOrAColumnNotBoth) {
  EXPECT_EQ(
      DatasetOptions::from_toml(parse("train = \"a.csv\"\ndescription_field = \"about\"\n"), 1)
          .description_field,
      "about");
  auto both = caught<RecipeError>([] {
    DatasetOptions::from_toml(
        parse("train = \"a.csv\"\ndescriptions = \"c.toml\"\ndescription_field = \"about\"\n"), 1);
  });
  ASSERT_TRUE(both);
  EXPECT_TRUE(contains(both->where(), ":3:")) << both->what();
}

TEST(DatasetOptions, SynthTableResolvesPathsAndDefaults) {
  const DatasetOptions o = DatasetOptions::from_toml(
      parse("train = \"../data/ads.csv\"\nood = \"../data/ood.csv\"\nseed = 9\n"
            "[synth]\ncategories = \"../configs/categories/ads_ru.toml\"\nn = 500\nood_n = 50\n"
            "ood_categories = \"../configs/categories/ood_ru.toml\"\n"),
      1);
  ASSERT_TRUE(o.synth);
  EXPECT_EQ(o.synth->categories, std::filesystem::path("/configs/categories/ads_ru.toml"));
  EXPECT_EQ(o.synth->n, 500);
  EXPECT_EQ(o.synth->seed, 9u);  // the data seed
  EXPECT_EQ(o.synth->ood_n, 50);
  EXPECT_EQ(o.descriptions, o.synth->categories);
  auto missing_ood = caught<RecipeError>([] {
    DatasetOptions::from_toml(
        parse("train = \"a.csv\"\n[synth]\ncategories = \"c.toml\"\nood_n = 5\n"
              "ood_categories = \"o.toml\"\n"),
        1);
  });
  ASSERT_TRUE(missing_ood);
  EXPECT_TRUE(contains(missing_ood->problem(), "ood"));
}

}  // namespace
}  // namespace rubrika
