#include <map>
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/data/csv.hpp>
#include <set>

#include "test_util.hpp"

namespace rubrika {
namespace {

using test::caught;
using test::contains;

// FNV-1a of the CSV that GoldenBytesOfTheMiniCatalogue generates, recorded once.
constexpr uint64_t kGoldenMiniHash = 5540139069995944219ull;

std::filesystem::path ads_catalogue() {
  return test::source_dir() / "configs/categories/ads_ru.toml";
}
std::filesystem::path ood_catalogue() {
  return test::source_dir() / "configs/categories/ood_ru.toml";
}

const SynthCatalogue& ads() {
  static const SynthCatalogue catalogue = SynthCatalogue::load(ads_catalogue());
  return catalogue;
}

TEST(SynthCatalogue, HasFiftyDescribedCategoriesIncludingTheRequiredOnes) {
  ASSERT_EQ(ads().categories.size(), 50u);
  for (const auto& c : ads().categories) {
    EXPECT_FALSE(c.description.empty()) << c.name;
    EXPECT_TRUE(c.has_price) << c.name;
  }
  for (const char* name : {"Автоаксессуары",
                           "Шины и диски",
                           "Запчасти для авто",
                           "Легковые автомобили",
                           "Мотоциклы и мототехника",
                           "Грузовики и спецтехника",
                           "Водный транспорт",
                           "Ноутбуки",
                           "Планшеты",
                           "Смартфоны",
                           "Фотоаппараты",
                           "Телевизоры и видео",
                           "Холодильники",
                           "Стиральные машины",
                           "Пылесосы",
                           "Микроволновые печи",
                           "Квартиры — продажа",
                           "Квартиры — аренда",
                           "Комнаты — аренда",
                           "Дома и дачи — продажа",
                           "Дома и дачи — аренда",
                           "Мебель",
                           "Ремонт и стройматериалы",
                           "Услуги ремонта",
                           "Обувь",
                           "Одежда",
                           "Украшения и часы",
                           "Товары для мам и малышей",
                           "Книги"})
    EXPECT_NE(ads().find(name), nullptr) << name;
}

TEST(SynthCatalogue, DeclaresTheConfusablePairs) {
  auto confusable = [](const std::string& a, const std::string& b) {
    const auto& list = ads().find(a)->confusable_with;
    return std::find(list.begin(), list.end(), b) != list.end();
  };
  EXPECT_TRUE(confusable("Квартиры — продажа", "Квартиры — аренда"));
  EXPECT_TRUE(confusable("Дома и дачи — продажа", "Дома и дачи — аренда"));
  EXPECT_TRUE(confusable("Ремонт и стройматериалы", "Услуги ремонта"));
  EXPECT_TRUE(confusable("Смартфоны", "Планшеты"));
}

TEST(SynthAds, StratifiedCountsSpreadTheRemainderOverTheFirstCategories) {
  EXPECT_EQ(stratified_counts(10, 3), (std::vector<size_t>{4, 3, 3}));
  EXPECT_EQ(stratified_counts(2, 3), (std::vector<size_t>{1, 1, 0}));
}

TEST(SynthAds, TenThousandAdsAreBalancedOverFiftyCategories) {
  const std::vector<SynthAd> generated = generate_ads(ads(), 10000, 42);
  ASSERT_EQ(generated.size(), 10000u);
  std::map<std::string, int> counts;
  for (const auto& ad : generated) {
    ++counts[ad.category];
    EXPECT_FALSE(ad.title.empty());
    EXPECT_FALSE(ad.description.empty());
    EXPECT_FALSE(ad.city.empty());
    EXPECT_FALSE(ad.price.empty());
  }
  ASSERT_EQ(counts.size(), 50u);
  for (const auto& [name, count] : counts) EXPECT_EQ(count, 200) << name;
  // Shuffled, not grouped by category: the first 50 ads are not all one category.
  std::set<std::string> first;
  for (size_t i = 0; i < 50; ++i) first.insert(generated[i].category);
  EXPECT_GT(first.size(), 20u);
}

TEST(SynthAds, PricesStayWithinTheCategoryRangeUpToRounding) {
  for (const auto& ad : generate_ads(ads(), 2000, 5)) {
    const SynthCategory& c = *ads().find(ad.category);
    const int64_t price = std::stoll(ad.price);
    EXPECT_GE(price, c.price_min - 5000) << ad.category;
    EXPECT_LE(price, c.price_max + 5000) << ad.category;
  }
}

TEST(SynthAds, CarryTheSharedNoise) {
  const std::vector<SynthAd> generated = generate_ads(ads(), 3000, 11);
  int rubles = 0, phones = 0, torg = 0, emoji = 0, caps = 0;
  for (const auto& ad : generated) {
    const std::string text = ad.title + " " + ad.description;
    rubles += contains(text, "₽") || contains(text, "руб");
    phones += contains(text, "+7") || contains(text, " 89") || contains(text, " 8-9") ||
              contains(text, " 8 (9") || contains(text, " 8 9");
    torg += contains(text, "орг");
    emoji += contains(text, "🔥") || contains(text, "✅") || contains(text, "👍");
    for (const auto& word : ads().noise.caps_words) caps += contains(ad.title, word + "!");
  }
  EXPECT_GT(rubles, 300);
  EXPECT_GT(phones, 600);
  EXPECT_GT(torg, 100);
  EXPECT_GT(emoji, 20);
  EXPECT_GT(caps, 20);
}

TEST(SynthAds, SameSeedGivesTheSameBytes) {
  test::TempDir dir;
  SynthRequest request;
  request.categories = ads_catalogue();
  request.n = 1500;
  request.seed = 42;
  request.out = dir / "a.csv";
  synthesize(request);
  request.out = dir / "b.csv";
  synthesize(request);
  request.seed = 43;
  request.out = dir / "c.csv";
  synthesize(request);
  const std::string a = test::read_text(dir / "a.csv");
  EXPECT_EQ(test::fnv1a(a), test::fnv1a(test::read_text(dir / "b.csv")));
  EXPECT_NE(test::fnv1a(a), test::fnv1a(test::read_text(dir / "c.csv")));
  const RecordTable table = read_csv(dir / "a.csv");
  EXPECT_EQ(table.columns,
            (std::vector<std::string>{"title", "description", "city", "price", "category"}));
  EXPECT_EQ(table.rows.size(), 1500u);
}

TEST(SynthAds, GoldenBytesOfTheMiniCatalogue) {
  // SplitMix64 and integer-only draws: the same bytes with every compiler and standard
  // library. A change here means generated corpora changed; update deliberately.
  const SynthCatalogue mini = SynthCatalogue::load(test::data_dir() / "synth_mini.toml");
  test::TempDir dir;
  write_ads_csv(dir / "mini.csv", generate_ads(mini, 40, 42), false);
  EXPECT_EQ(test::fnv1a(test::read_text(dir / "mini.csv")), kGoldenMiniHash)
      << test::read_text(dir / "mini.csv");
}

TEST(SynthOod, HasNoInDomainLabel) {
  const SynthCatalogue ood = SynthCatalogue::load(ood_catalogue());
  const std::vector<SynthAd> rows = generate_ood(ood, 600, 42);
  std::set<std::string> kinds;
  for (const auto& row : rows) {
    EXPECT_EQ(row.category, kOodCategory);
    EXPECT_EQ(ads().find(row.ood_kind), nullptr) << row.ood_kind;
    kinds.insert(row.ood_kind);
  }
  EXPECT_EQ(kinds.size(), ood.categories.size());
  EXPECT_GE(kinds.size(), 6u);
  test::TempDir dir;
  write_ads_csv(dir / "ood.csv", rows, true);
  const RecordTable table = read_csv(dir / "ood.csv");
  EXPECT_EQ(table.columns.back(), "ood_kind");
}

TEST(SynthOod, OodDrawsDifferFromInDomainDrawsWithTheSameSeed) {
  const SynthCatalogue ood = SynthCatalogue::load(ood_catalogue());
  EXPECT_NE(generate_ood(ood, 5, 42)[0].title, generate_ads(ood, 5, 42)[0].title);
}

class BrokenCatalogue : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& category_body) {
    test::write_text(dir_ / "noise.toml",
                     test::read_text(test::data_dir() / "synth_mini_noise.toml"));
    test::write_text(dir_ / "cat.toml",
                     "version = 1\nnoise = \"noise.toml\"\n\n[[category]]\n" + category_body);
    return dir_ / "cat.toml";
  }
  test::TempDir dir_;
};

TEST_F(BrokenCatalogue, UnknownPlaceholderNamesFileLineAndColumn) {
  const auto file = write(
      "name = \"A\"\ndescription = \"d\"\nitems = [\"x\"]\nattributes = [\"y\"]\n"
      "titles = [\"{item}\", \"{colour} {item}\"]\nphrases = [\"a\", \"b\", \"c\"]\n");
  auto error = caught<RecipeError>([&] { SynthCatalogue::load(file); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "unknown placeholder {colour}")) << error->what();
  EXPECT_TRUE(contains(error->where(), "cat.toml:9:21")) << error->what();
}

TEST_F(BrokenCatalogue, UnknownKeyIsAnError) {
  const auto file = write(
      "name = \"A\"\ndescription = \"d\"\nitems = [\"x\"]\nattributes = [\"y\"]\n"
      "titles = [\"{item}\"]\nphrases = [\"a\", \"b\", \"c\"]\nprise = [1, 2]\n");
  auto error = caught<RecipeError>([&] { SynthCatalogue::load(file); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "prise")) << error->what();
  EXPECT_TRUE(contains(error->where(), "cat.toml:11")) << error->what();
}

TEST_F(BrokenCatalogue, PriceWithoutRangeAndMissingBrandsAreErrors) {
  auto price = caught<RecipeError>([&] {
    SynthCatalogue::load(
        write("name = \"A\"\ndescription = \"d\"\nitems = [\"x\"]\n"
              "attributes = [\"y\"]\ntitles = [\"{item}\"]\n"
              "phrases = [\"{price}\", \"b\", \"c\"]\n"));
  });
  ASSERT_TRUE(price);
  EXPECT_TRUE(contains(price->problem(), "{price} needs the category's price"));
  auto brand = caught<RecipeError>([&] {
    SynthCatalogue::load(
        write("name = \"A\"\ndescription = \"d\"\nitems = [\"x\"]\n"
              "attributes = [\"y\"]\ntitles = [\"{brand}\"]\n"
              "phrases = [\"a\", \"b\", \"c\"]\n"));
  });
  ASSERT_TRUE(brand);
  EXPECT_TRUE(contains(brand->problem(), "needs a non-empty 'brands' list"));
}

TEST(SynthRequestChecks, RejectsZeroAdsAndIncompleteOodRequests) {
  SynthRequest request;
  request.categories = ads_catalogue();
  request.out = "/tmp/never_written.csv";
  request.n = 0;
  EXPECT_TRUE(caught<InputError>([&] { synthesize(request); }));
  request.n = 10;
  request.ood_n = 5;
  EXPECT_TRUE(caught<InputError>([&] { synthesize(request); }));
}

TEST(SynthCatalogue, DescriptionsCanBeReadAlone) {
  const auto descriptions = read_category_descriptions(ads_catalogue());
  ASSERT_EQ(descriptions.size(), 50u);
  EXPECT_TRUE(contains(descriptions.at("Ноутбуки"), "Ноутбуки"));
}

}  // namespace
}  // namespace rubrika
