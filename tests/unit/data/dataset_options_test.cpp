#include <rubrika/data/dataset_files.hpp>
#include <rubrika/data/dataset_options.hpp>

#include "test_util.hpp"

#include <filesystem>
#include <fstream>

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

TEST(DatasetOptions, SynthKindIsAdsByDefaultAndKeepsAdsKeysApart) {
  const DatasetOptions ads =
      DatasetOptions::from_toml(parse("train = \"a.csv\"\n[synth]\ncategories = \"c.toml\"\n"), 1);
  ASSERT_TRUE(ads.synth);
  EXPECT_EQ(ads.synth->kind, SynthKind::ads);
  EXPECT_TRUE(ads.synth->topics.empty());
  auto topics = caught<RecipeError>([] {
    DatasetOptions::from_toml(
        parse("train = \"a.csv\"\n[synth]\ncategories = \"c.toml\"\ntopics = [\"спорт\"]\n"), 1);
  });
  ASSERT_TRUE(topics);
  EXPECT_TRUE(contains(topics->where(), "/recipes/r.toml:4:")) << topics->what();
  EXPECT_TRUE(contains(topics->problem(), "topics")) << topics->what();
  EXPECT_TRUE(contains(topics->hint(), "kind = \"news\"")) << topics->what();
  auto kind = caught<RecipeError>([] {
    DatasetOptions::from_toml(
        parse("train = \"a.csv\"\n[synth]\nkind = \"blogs\"\ncategories = \"c.toml\"\n"), 1);
  });
  ASSERT_TRUE(kind);
  EXPECT_TRUE(contains(kind->where(), "/recipes/r.toml:3:")) << kind->what();
  EXPECT_TRUE(contains(kind->what(), "news")) << kind->what();  // lists the kinds
}

TEST(DatasetOptions, NewsSynthReadsTopicsAndTakesOodFromTheNewsCatalogue) {
  const DatasetOptions o = DatasetOptions::from_toml(
      parse("train = \"../data/news.jsonl\"\nood = \"../data/news_ood.jsonl\"\n"
            "multi_label = true\n[synth]\nkind = \"news\"\n"
            "categories = \"../configs/categories/news_ru.toml\"\nn = 300\nood_n = 30\n"
            "topics = [\"политика\", \"культура\"]\n"),
      1);
  ASSERT_TRUE(o.synth);
  EXPECT_EQ(o.synth->kind, SynthKind::news);
  EXPECT_EQ(o.synth->categories, std::filesystem::path("/configs/categories/news_ru.toml"));
  EXPECT_EQ(o.synth->n, 300);
  EXPECT_EQ(o.synth->ood_n, 30);  // no ood_categories needed
  EXPECT_EQ(o.synth->topics, (std::vector<std::string>{"политика", "культура"}));
  EXPECT_TRUE(o.descriptions.empty());  // a news catalogue describes no labels
  const DatasetOptions all = DatasetOptions::from_toml(
      parse("train = \"n.jsonl\"\n[synth]\nkind = \"news\"\ncategories = \"news.toml\"\n"), 1);
  EXPECT_TRUE(all.synth->topics.empty());  // every topic of the catalogue

  auto ood_categories = caught<RecipeError>([] {
    DatasetOptions::from_toml(
        parse("train = \"n.jsonl\"\nood = \"o.jsonl\"\n[synth]\nkind = \"news\"\n"
              "categories = \"news.toml\"\nood_n = 5\nood_categories = \"ood.toml\"\n"),
        1);
  });
  ASSERT_TRUE(ood_categories);
  EXPECT_TRUE(contains(ood_categories->where(), "/recipes/r.toml:7:")) << ood_categories->what();
  EXPECT_TRUE(contains(ood_categories->problem(), "ood_categories")) << ood_categories->what();
  EXPECT_TRUE(contains(ood_categories->hint(), "[[ood]]")) << ood_categories->what();
  auto no_topic = caught<RecipeError>([] {
    DatasetOptions::from_toml(
        parse("train = \"n.jsonl\"\n[synth]\nkind = \"news\"\ncategories = \"news.toml\"\n"
              "topics = []\n"),
        1);
  });
  ASSERT_TRUE(no_topic);
  EXPECT_TRUE(contains(no_topic->where(), "/recipes/r.toml:5:")) << no_topic->what();
}

// Topics are checked against the catalogue when the recipe is read, at the key's position.
TEST(DatasetOptions, NewsTopicUnknownToTheCatalogueNamesItAndTheKnownOnes) {
  const std::string catalogue = (test::source_dir() / "configs/categories/news_ru.toml").string();
  auto recipe = [&](const std::string& topics) {
    return parse("train = \"n.jsonl\"\n[synth]\nkind = \"news\"\ncategories = \"" + catalogue +
                 "\"\ntopics = " + topics + "\n");
  };
  auto unknown = caught<RecipeError>(
      [&] { DatasetOptions::from_toml(recipe("[\"политика\", \"погода\"]"), 1); });
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(contains(unknown->where(), "/recipes/r.toml:5:")) << unknown->what();
  EXPECT_TRUE(contains(unknown->problem(), "unknown topic 'погода'")) << unknown->what();
  EXPECT_TRUE(contains(unknown->hint(), "политика, экономика, культура, технологии, спорт"))
      << unknown->what();
  auto twice =
      caught<RecipeError>([&] { DatasetOptions::from_toml(recipe("[\"спорт\", \"спорт\"]"), 1); });
  ASSERT_TRUE(twice);
  EXPECT_TRUE(contains(twice->problem(), "'спорт' is given twice")) << twice->what();
  EXPECT_EQ(DatasetOptions::from_toml(recipe("[\"спорт\"]"), 1).synth->topics,
            (std::vector<std::string>{"спорт"}));
}

// The files [data] names are checked before a run reads them, each error at its key; the
// training file of a [data.synth] table may be missing (it is generated).
TEST(DatasetFiles, AMissingFileIsNamedAtItsKey) {
  const std::string dir = ::testing::TempDir();
  const std::string train = dir + "/rubrika_files_train.csv";
  std::ofstream(train) << "title,category\nа,б\n";
  const toml::table ok = parse("train = \"" + train + "\"\n");
  EXPECT_NO_THROW(check_dataset_files(ok, DatasetOptions::from_toml(ok, 1)));
  const toml::table bad = parse("train = \"" + train + "\"\nvalidation = \"/no/such/valid.csv\"\n");
  auto error =
      caught<RecipeError>([&] { check_dataset_files(bad, DatasetOptions::from_toml(bad, 1)); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "[data] validation: no file at /no/such/valid.csv"))
      << error->problem();
  EXPECT_EQ(error->where(), "/recipes/r.toml:2:14");
  const toml::table generated =
      parse("train = \"" + dir + "/rubrika_files_new.csv\"\n[synth]\ncategories = \"" + train +
            "\"\nood_n = 0\n");
  EXPECT_NO_THROW(check_dataset_files(generated, DatasetOptions::from_toml(generated, 1)));
  const toml::table no_catalogue = parse("train = \"" + dir +
                                         "/rubrika_files_new.csv\"\n[synth]\ncategories = "
                                         "\"/no/cat.toml\"\nood_n = 0\n");
  error = caught<RecipeError>(
      [&] { check_dataset_files(no_catalogue, DatasetOptions::from_toml(no_catalogue, 1)); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "[data.synth] categories: no file at /no/cat.toml"))
      << error->problem();
  std::filesystem::remove(train);
}

}  // namespace
}  // namespace rubrika
