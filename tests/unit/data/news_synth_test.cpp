// The synthetic news generator (news_synth.hpp) with configs/categories/news_ru.toml.
#include <map>
#include <rubrika/data/csv.hpp>
#include <rubrika/data/dataset.hpp>
#include <rubrika/data/jsonl.hpp>
#include <rubrika/data/news_synth.hpp>
#include <set>

#include "test_util.hpp"

namespace rubrika {
namespace {

using test::caught;
using test::contains;

const std::vector<std::string> kTopics = {"политика", "экономика", "культура", "технологии",
                                          "спорт"};

std::filesystem::path news_catalogue() {
  return test::source_dir() / "configs/categories/news_ru.toml";
}

const NewsCatalogue& news() {
  static const NewsCatalogue catalogue = NewsCatalogue::load(news_catalogue());
  return catalogue;
}

const std::vector<NewsItem>& items() {
  static const std::vector<NewsItem> generated = generate_news(news(), 2000, 42);
  return generated;
}

std::set<std::string> names_of(const NewsItem& item) {
  std::set<std::string> names;
  for (size_t t : item.topics) names.insert(news().topics[t].name);
  return names;
}

NewsSynthRequest request_for(const std::filesystem::path& out, int64_t n = 300) {
  NewsSynthRequest r;
  r.catalogue = news_catalogue();
  r.n = n;
  r.seed = 7;
  r.out = out;
  return r;
}

TEST(NewsSynthCatalogue, HasTheFiveTopicsInLabelOrderAndOodKinds) {
  std::vector<std::string> names;
  for (const auto& topic : news().topics) names.push_back(topic.name);
  EXPECT_EQ(names, kTopics);
  EXPECT_GE(news().sources.size(), 8u);
  std::set<std::string> ood;
  for (const auto& kind : news().ood) ood.insert(kind.name);
  EXPECT_EQ(ood, (std::set<std::string>{"объявление", "чат"}));
}

TEST(NewsSynth, EveryItemHasSixtyToFourHundredWordsAndItsFields) {
  std::set<std::string> ids, sources, dates;
  for (const auto& item : items()) {
    const size_t words = news_word_count(item);
    EXPECT_GE(words, 60u) << item.id;
    EXPECT_LE(words, 400u) << item.id;
    EXPECT_FALSE(item.title.empty());
    ASSERT_EQ(item.date.size(), 10u) << item.date;
    EXPECT_EQ(item.date[4], '-');
    EXPECT_TRUE(item.date >= "2022-01-01" && item.date <= "2025-12-31") << item.date;
    EXPECT_LE(item.topics.size(), 2u);
    ids.insert(item.id);
    sources.insert(item.source);
    dates.insert(item.date);
  }
  EXPECT_EQ(ids.size(), items().size());
  EXPECT_GE(sources.size(), 8u);
  EXPECT_GE(dates.size(), 500u);
}

TEST(NewsSynth, AboutOneItemInTenHasNoTopic) {
  size_t none = 0;
  for (const auto& item : items()) none += item.topics.empty();
  EXPECT_GE(none, 120u);  // 6 %
  EXPECT_LE(none, 280u);  // 14 %
}

TEST(NewsSynth, EveryTopicAndTheFourNamedOverlapsOccur) {
  std::map<std::string, size_t> topics;
  std::map<std::set<std::string>, size_t> pairs;
  for (const auto& item : items()) {
    for (const auto& name : names_of(item)) ++topics[name];
    if (item.topics.size() == 2) ++pairs[names_of(item)];
  }
  for (const auto& name : kTopics) EXPECT_GE(topics[name], 200u) << name;
  const std::vector<std::set<std::string>> named = {{"политика", "экономика"},
                                                    {"культура", "экономика"},
                                                    {"спорт", "политика"},
                                                    {"технологии", "экономика"}};
  for (const auto& pair : named)
    EXPECT_GE(pairs[pair], 50u) << *pair.begin() << " + " << *pair.rbegin();
}

TEST(NewsSynth, SameSeedSameBytesOtherSeedOtherBytes) {
  test::TempDir dir;
  for (const char* name : {"a.jsonl", "a.csv"}) {
    NewsSynthRequest r = request_for(dir / name);
    r.ood_out = dir / (std::string("ood_") + name);
    r.ood_n = 50;
    synthesize_news(r);
    const std::string first = test::read_text(r.out), first_ood = test::read_text(r.ood_out);
    synthesize_news(r);
    EXPECT_EQ(test::read_text(r.out), first) << name;
    EXPECT_EQ(test::read_text(r.ood_out), first_ood) << name;
    r.seed = 8;
    synthesize_news(r);
    EXPECT_NE(test::read_text(r.out), first) << name;
    EXPECT_NE(test::read_text(r.ood_out), first_ood) << name;
  }
}

TEST(NewsSynth, JsonlHasListsZeroOneFieldsAndLoadsAsMultiLabel) {
  test::TempDir dir;
  synthesize_news(request_for(dir / "news.jsonl"));
  const RecordTable table = read_jsonl(dir / "news.jsonl");
  ASSERT_EQ(table.rows.size(), 300u);
  const size_t labels = table.require_column("labels"), all = table.require_column("all_labels");
  for (const char* column : {"id", "source", "date", "title", "body"}) table.require_column(column);
  for (const auto& row : table.rows) {
    ASSERT_TRUE(row.fields[labels].is_list);
    EXPECT_EQ(row.fields[labels].list, row.fields[all].list);
    for (const auto& name : kTopics) {
      const std::string& flag = row.fields[table.require_column(name)].text;
      const auto& list = row.fields[labels].list;
      EXPECT_EQ(flag, std::find(list.begin(), list.end(), name) != list.end() ? "1" : "0");
    }
  }
  DatasetOptions o;
  o.train = dir / "news.jsonl";
  o.text_fields = {"title", "body"};
  o.multi_label = true;
  o.label_field = "labels";
  o.split = {1.0, 0.0, 0.0};
  const Dataset data = load_dataset(o);
  EXPECT_TRUE(data.multi_label);
  EXPECT_EQ(data.labels.size(), 5);
  EXPECT_EQ(data.train.size(), 300u);
}

TEST(NewsSynth, CsvHasJoinedLabelsAndZeroOneColumnsAndLoadsBothWays) {
  test::TempDir dir;
  synthesize_news(request_for(dir / "news.csv"));
  const RecordTable table = read_csv(dir / "news.csv");
  std::vector<std::string> header = {"id", "source", "date", "title", "body", "labels"};
  header.insert(header.end(), kTopics.begin(), kTopics.end());
  header.push_back("all_labels");
  EXPECT_EQ(table.columns, header);
  ASSERT_EQ(table.rows.size(), 300u);
  DatasetOptions o;
  o.train = dir / "news.csv";
  o.text_fields = {"title", "body"};
  o.multi_label = true;
  o.label_field = "labels";
  o.split = {1.0, 0.0, 0.0};
  const Dataset joined = load_dataset(o);
  o.label_columns = kTopics;
  const Dataset columns = load_dataset(o);
  EXPECT_EQ(joined.labels.names(), columns.labels.names());
  ASSERT_EQ(joined.train.size(), 300u);
  ASSERT_EQ(columns.train.size(), 300u);
  EXPECT_EQ(joined.train.multi_hot, columns.train.multi_hot);
}

TEST(NewsSynth, TopicsOptionRestrictsLabelsAndKeepsAllLabels) {
  test::TempDir dir;
  NewsSynthRequest r = request_for(dir / "news.jsonl", 600);
  r.topics = {"спорт", "политика", "экономика"};
  const NewsSynthSummary summary = synthesize_news(r);
  EXPECT_EQ(summary.topics, (std::vector<std::string>{"политика", "экономика", "спорт"}));
  const RecordTable table = read_jsonl(r.out);
  EXPECT_FALSE(table.column("культура"));
  EXPECT_FALSE(table.column("технологии"));
  const size_t labels = table.require_column("labels"), all = table.require_column("all_labels");
  const std::set<std::string> selected = {"политика", "экономика", "спорт"};
  size_t later_only = 0, later_kept = 0;
  for (const auto& row : table.rows) {
    std::vector<std::string> expected;
    for (const auto& name : row.fields[all].list)
      if (selected.count(name)) expected.push_back(name);
    EXPECT_EQ(row.fields[labels].list, expected);
    const bool has_later = std::any_of(
        row.fields[all].list.begin(), row.fields[all].list.end(),
        [&](const std::string& name) { return name == "культура" || name == "технологии"; });
    later_kept += has_later;
    later_only += has_later && expected.empty();
  }
  EXPECT_GT(later_only, 30u);  // news of the later topics only: no label now
  EXPECT_GT(later_kept, later_only);
  DatasetOptions o;
  o.train = r.out;
  o.text_fields = {"title", "body"};
  o.multi_label = true;
  o.label_field = "labels";
  o.split = {1.0, 0.0, 0.0};
  EXPECT_EQ(load_dataset(o).labels.names(),
            (std::vector<std::string>{"политика", "спорт", "экономика"}));
}

TEST(NewsSynth, OodRowsAreAdsAndChatWithText) {
  test::TempDir dir;
  NewsSynthRequest r = request_for(dir / "news.jsonl", 10);
  r.ood_out = dir / "ood.jsonl";
  r.ood_n = 100;
  EXPECT_EQ(synthesize_news(r).ood, 100u);
  const RecordTable table = read_jsonl(r.ood_out);
  ASSERT_EQ(table.rows.size(), 100u);
  std::map<std::string, size_t> kinds;
  for (const auto& row : table.rows) {
    ++kinds[row.fields[table.require_column("ood_kind")].text];
    EXPECT_FALSE(row.fields[table.require_column("text")].text.empty());
  }
  EXPECT_EQ(kinds["объявление"], 50u);
  EXPECT_EQ(kinds["чат"], 50u);
}

TEST(NewsSynth, BadRequestsNameTheProblem) {
  test::TempDir dir;
  NewsSynthRequest missing = request_for(dir / "x.jsonl");
  missing.catalogue = dir / "nope.toml";
  auto no_file = caught<InputError>([&] { synthesize_news(missing); });
  ASSERT_TRUE(no_file);
  EXPECT_TRUE(contains(no_file->problem(), "nope.toml")) << no_file->problem();

  NewsSynthRequest unknown = request_for(dir / "x.jsonl");
  unknown.topics = {"политика", "погода"};
  auto topic = caught<InputError>([&] { synthesize_news(unknown); });
  ASSERT_TRUE(topic);
  EXPECT_TRUE(contains(topic->problem(), "unknown topic 'погода'")) << topic->problem();
  EXPECT_TRUE(contains(topic->hint(), "культура")) << topic->hint();

  for (int64_t n : {0, -5}) {
    auto count = caught<InputError>([&] { synthesize_news(request_for(dir / "x.jsonl", n)); });
    ASSERT_TRUE(count);
    EXPECT_TRUE(contains(count->problem(), "--n must be at least 1")) << count->problem();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.jsonl"));
}

TEST(NewsSynthCatalogue, UnknownTopicInAKindIsARecipeErrorWithALocation) {
  test::TempDir dir;
  std::string text = test::read_text(news_catalogue());
  const std::string from = "topics = [\"культура\", \"экономика\"]";
  ASSERT_TRUE(contains(text, from));
  text.replace(text.find(from), from.size(), "topics = [\"культура\", \"экономикс\"]");
  test::write_text(dir / "bad.toml", text);
  auto error = caught<RecipeError>([&] { NewsCatalogue::load(dir / "bad.toml"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "unknown topic 'экономикс'")) << error->problem();
  EXPECT_TRUE(contains(error->where(), "bad.toml:")) << error->where();
}

TEST(NewsCatalogue, ANewerFormatVersionIsRefusedAtItsPosition) {
  test::TempDir dir;
  test::write_text(dir / "news.toml", "version = 2\n");
  try {
    NewsCatalogue::load(dir / "news.toml");
    FAIL() << "a version 2 catalogue was read";
  } catch (const RecipeError& e) {
    EXPECT_NE(e.where().find("news.toml:1:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("newer than this build"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rubrika
