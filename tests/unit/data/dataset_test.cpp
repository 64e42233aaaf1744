#include <iterator>
#include <numeric>
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/data/dataset.hpp>
#include <sstream>

#include "test_util.hpp"

namespace rubrika {
namespace {

using test::caught;
using test::contains;

DatasetOptions options_for(const std::filesystem::path& train) {
  DatasetOptions o;
  o.train = train;
  return o;
}

TEST(LoadDataset, SyntheticCorpusSplitsStratifiedWithSortedLabels) {
  test::TempDir dir;
  DatasetOptions o = options_for(dir / "ads.csv");
  o.ood = dir / "ood.csv";
  o.synth = SynthDataOptions{test::source_dir() / "configs/categories/ads_ru.toml", 5000, 42, 100,
                             test::source_dir() / "configs/categories/ood_ru.toml"};
  o.descriptions = o.synth->categories;
  const Dataset data = load_dataset(o);  // generates both files first
  ASSERT_TRUE(std::filesystem::exists(dir / "ads.csv"));
  ASSERT_EQ(data.labels.size(), 50);
  EXPECT_TRUE(std::is_sorted(data.labels.names().begin(), data.labels.names().end()));
  EXPECT_EQ(data.train.size(), 3600u);
  EXPECT_EQ(data.validation.size(), 400u);
  EXPECT_EQ(data.test.size(), 1000u);
  EXPECT_EQ(data.ood_texts.size(), 100u);
  EXPECT_EQ(data.descriptions.size(), 50u);
  for (int64_t count : class_counts(data.test, 50)) EXPECT_EQ(count, 20);
  // Text = title + joiner + description.
  EXPECT_TRUE(contains(data.train.texts[0], ". ")) << data.train.texts[0];
  const std::string report = class_count_report(data);
  EXPECT_TRUE(contains(report, "Квартиры — аренда")) << report;
  std::istringstream lines(report);
  std::string line;
  while (std::getline(lines, line) && line.rfind("total", 0) != 0) {
  }
  std::istringstream words(line);
  std::vector<std::string> totals{std::istream_iterator<std::string>(words), {}};
  EXPECT_EQ(totals, (std::vector<std::string>{"total", "3600", "400", "1000", "5000"})) << report;
  // Same seed → same split.
  const Dataset again = load_dataset(o);
  EXPECT_EQ(again.test.texts, data.test.texts);
}

// A recipe's [data] for the news run: kind = "news" writes the missing files, and they load as
// a multi-label data set over the chosen topics only.
DatasetOptions news_options(const test::TempDir& dir, const std::string& train) {
  DatasetOptions o = options_for(dir / train);
  o.ood = dir / "news_ood.jsonl";
  o.text_fields = {"title", "body"};
  o.label_field = "labels";
  o.multi_label = true;
  o.split = {0.7, 0.1, 0.2};
  SynthDataOptions synth;
  synth.kind = SynthKind::news;
  synth.categories = test::source_dir() / "configs/categories/news_ru.toml";
  synth.n = 200;
  synth.ood_n = 40;
  synth.topics = {"политика", "экономика", "культура"};
  o.synth = synth;
  return o;
}

TEST(LoadDataset, NewsSynthGeneratesAMultiLabelCorpusOverTheChosenTopics) {
  test::TempDir dir;
  const DatasetOptions o = news_options(dir, "news.jsonl");
  const Dataset data = load_dataset(o);
  ASSERT_TRUE(std::filesystem::exists(dir / "news.jsonl"));
  ASSERT_TRUE(std::filesystem::exists(dir / "news_ood.jsonl"));
  EXPECT_TRUE(data.multi_label);
  EXPECT_EQ(data.labels.names(), (std::vector<std::string>{"культура", "политика", "экономика"}));
  EXPECT_EQ(data.train.size() + data.validation.size() + data.test.size(), 200u);
  EXPECT_EQ(data.ood_texts.size(), 40u);  // from the single `text` field of the OOD rows
  EXPECT_TRUE(data.descriptions.empty());
  size_t no_label = 0, two_labels = 0;
  for (const auto& row : data.train.multi_hot) {
    const float labels = std::accumulate(row.begin(), row.end(), 0.0f);
    no_label += labels == 0;
    two_labels += labels == 2;
  }
  // Weather, incidents, sport and technology items have none of the three topics; sanctions
  // and box-office items have two.
  EXPECT_GT(no_label, 0u);
  EXPECT_GT(two_labels, 0u);
  // The topics left out stay in all_labels for a later run.
  EXPECT_TRUE(contains(test::read_text(dir / "news.jsonl"), "\"all_labels\":[\"спорт\"]"));
  // Text = title + joiner + body.
  EXPECT_TRUE(contains(data.train.texts[0], ". ")) << data.train.texts[0];
}

TEST(LoadDataset, NewsSynthWritesOnlyMissingFilesAndCsvByExtension) {
  test::TempDir dir;
  DatasetOptions o = news_options(dir, "news.csv");
  const Dataset generated = load_dataset(o);
  EXPECT_TRUE(contains(test::read_text(dir / "news.csv"), "labels,политика,экономика,культура"));
  EXPECT_EQ(generated.labels.size(), 3);
  EXPECT_EQ(generated.train.size() + generated.validation.size() + generated.test.size(), 200u);

  // A training file already there is kept; only the missing OOD file is written again.
  test::write_text(dir / "news.csv",
                   "title,body,labels\nа,б,спорт\nв,г,политика|спорт\nд,е,политика\n");
  std::filesystem::remove(dir / "news_ood.jsonl");
  o.split = {1.0, 0.0, 0.0};
  const Dataset kept = load_dataset(o);
  EXPECT_EQ(kept.train.size(), 3u);
  EXPECT_EQ(kept.labels.names(), (std::vector<std::string>{"политика", "спорт"}));
  EXPECT_EQ(kept.ood_texts.size(), 40u);

  // The generator writes JSONL to a .jsonl name: a [data] format that reads it otherwise is
  // refused before anything is written.
  o.train = dir / "other.jsonl";
  o.format = DataFormat::csv;
  auto error = caught<InputError>([&] { load_dataset(o); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "[data.synth]")) << error->what();
  EXPECT_TRUE(contains(error->problem(), "JSONL")) << error->what();
  EXPECT_FALSE(std::filesystem::exists(dir / "other.jsonl"));
}

TEST(LoadDataset, UnknownLabelInATestFileNamesFileRowAndLabel) {
  DatasetOptions o = options_for(test::data_dir() / "labelled_train.csv");
  o.test = test::data_dir() / "labelled_test_unknown.csv";
  auto error = caught<InputError>([&] { load_dataset(o); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "unknown label 'Ноутбуки'")) << error->what();
  EXPECT_TRUE(contains(error->where(), "labelled_test_unknown.csv:3")) << error->what();
}

TEST(LoadDataset, GivenTestFileLeavesTrainAndValidationToTheSplit) {
  DatasetOptions o = options_for(test::data_dir() / "labelled_train.csv");
  o.test = test::data_dir() / "labelled_train.csv";
  o.split = {0.5, 0.5, 0.0};
  const Dataset data = load_dataset(o);
  EXPECT_EQ(data.test.size(), 6u);
  EXPECT_EQ(data.train.size(), 3u);  // one per class
  EXPECT_EQ(data.validation.size(), 3u);
  EXPECT_EQ(data.labels.names(), (std::vector<std::string>{"Мебель", "Обувь", "Смартфоны"}));
}

TEST(LoadDataset, EmptyTextsAreSkippedWithACountOrRejected) {
  test::TempDir dir;
  test::write_text(dir / "d.csv",
                   "title,description,category\nДиван,Хороший,Мебель\n,,Мебель\nКеды,,Обувь\n"
                   "Туфли,ОЧЕНЬ,Обувь\nСтул,,Мебель\n");
  DatasetOptions o = options_for(dir / "d.csv");
  o.split = {1.0, 0.0, 0.0};
  // A normaliser that empties one text: that row is skipped like a blank one.
  auto normalize = [](std::string_view text) {
    return text == "Кеды" ? std::string() : std::string(text);
  };
  const Dataset data = load_dataset(o, normalize);
  EXPECT_EQ(data.skipped_empty, 2u);  // the empty row, and "Кеды" emptied by the normaliser
  EXPECT_EQ(data.train.size(), 3u);
  EXPECT_EQ(data.train.texts[0], "Диван. Хороший");
  o.empty_text = EmptyText::error;
  auto error = caught<InputError>([&] { load_dataset(o, normalize); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "empty text after normalisation"));
  EXPECT_TRUE(contains(error->where(), "d.csv:3 (row 2)")) << error->what();
}

TEST(LoadDataset, MissingColumnAndEmptyLabelAreErrors) {
  test::TempDir dir;
  test::write_text(dir / "d.csv", "title,category\nДиван,Мебель\n");
  auto missing = caught<InputError>([&] { load_dataset(options_for(dir / "d.csv")); });
  ASSERT_TRUE(missing);
  EXPECT_TRUE(contains(missing->problem(), "missing column 'description'"));
  EXPECT_TRUE(contains(missing->where(), "d.csv"));
  test::write_text(dir / "e.csv", "title,description,category\nДиван,x,Мебель\nКеды,y,\n");
  auto empty_label = caught<InputError>([&] { load_dataset(options_for(dir / "e.csv")); });
  ASSERT_TRUE(empty_label);
  EXPECT_TRUE(contains(empty_label->where(), "e.csv:3 (row 2)")) << empty_label->what();
}

TEST(LoadDataset, LabelDescriptionsCanComeFromAColumnOfTheTrainingFile) {
  test::TempDir dir;
  std::string csv = "text,intent,about\n";
  for (int i = 0; i < 10; ++i) {
    csv += "перевести деньги " + std::to_string(i) + ",о_переводах," +
           (i == 0 ? "" : "переводы между счетами") + "\n";
    csv += "карта украдена " + std::to_string(i) + ",блокировка_карты,блокировка карты\n";
  }
  test::write_text(dir / "intents.csv", csv);
  DatasetOptions o = options_for(dir / "intents.csv");
  o.text_fields = {"text"};
  o.label_field = "intent";
  o.description_field = "about";
  const Dataset data = load_dataset(o);
  ASSERT_EQ(data.descriptions.size(), 2u);
  EXPECT_EQ(data.descriptions.at("о_переводах"), "переводы между счетами");  // first non-empty
  EXPECT_EQ(data.descriptions.at("блокировка_карты"), "блокировка карты");
  o.description_field = "topic";
  auto missing = caught<InputError>([&] { load_dataset(o); });
  ASSERT_TRUE(missing);
  EXPECT_TRUE(contains(missing->problem(), "missing column 'topic'")) << missing->what();
}

TEST(LoadDataset, MultiLabelFromJsonlLists) {
  DatasetOptions o = options_for(test::data_dir() / "multilabel.jsonl");
  o.text_fields = {"text"};
  o.label_field = "labels";
  o.multi_label = true;
  o.split = {1.0, 0.0, 0.0};
  const Dataset data = load_dataset(o);
  ASSERT_EQ(data.labels.names(), (std::vector<std::string>{"политика", "спорт", "экономика"}));
  ASSERT_EQ(data.train.size(), 4u);
  EXPECT_TRUE(data.train.labels.empty());
  EXPECT_EQ(data.train.multi_hot[1], (std::vector<float>{0, 1, 1}));
  EXPECT_EQ(class_counts(data.train, 3), (std::vector<int64_t>{1, 2, 2}));
}

TEST(LoadDataset, MultiLabelFromSeparatedStringsAndFromZeroOneColumns) {
  test::TempDir dir;
  test::write_text(dir / "s.csv", "text,topics\nа,спорт|экономика\nб,спорт\nв, политика \n");
  DatasetOptions o = options_for(dir / "s.csv");
  o.text_fields = {"text"};
  o.label_field = "topics";
  o.multi_label = true;
  o.split = {1.0, 0.0, 0.0};
  const Dataset strings = load_dataset(o);
  EXPECT_EQ(strings.labels.names(), (std::vector<std::string>{"политика", "спорт", "экономика"}));
  EXPECT_EQ(strings.train.multi_hot[0], (std::vector<float>{0, 1, 1}));

  o.train = test::data_dir() / "multilabel_columns.csv";
  o.label_columns = {"sport", "economy", "politics"};
  const Dataset columns = load_dataset(o);
  EXPECT_EQ(columns.labels.names(), (std::vector<std::string>{"economy", "politics", "sport"}));
  ASSERT_EQ(columns.train.size(), 5u);
  EXPECT_EQ(columns.train.multi_hot[1], (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(columns.train.multi_hot[4], (std::vector<float>{0, 0, 0}));

  test::write_text(dir / "bad.csv", "text,sport,economy\nа,1,да\nб,0,1\n");
  o.train = dir / "bad.csv";
  o.label_columns = {"sport", "economy"};
  auto error = caught<InputError>([&] { load_dataset(o); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "'economy' must be 0 or 1, got 'да'"));
  EXPECT_TRUE(contains(error->where(), "bad.csv:2 (row 1)"));
}

TEST(LoadDataset, SingleLabelRejectsALabelList) {
  DatasetOptions o = options_for(test::data_dir() / "multilabel.jsonl");
  o.text_fields = {"text"};
  o.label_field = "labels";
  auto error = caught<InputError>([&] { load_dataset(o); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->hint(), "multi_label = true"));
}

TEST(LoadDataset, MaxRowsLimitsEachFile) {
  DatasetOptions o = options_for(test::data_dir() / "labelled_train.csv");
  o.max_rows = 4;
  o.split = {1.0, 0.0, 0.0};
  const Dataset data = load_dataset(o);
  EXPECT_EQ(data.train.size(), 4u);
  EXPECT_EQ(data.labels.size(), 2);
}

// read_text_file: the files of `predict --input` and `eval --data`.
TEST(ReadTextFile, FormatsByExtension) {
  EXPECT_EQ(text_file_format("a.csv"), TextFileFormat::csv);
  EXPECT_EQ(text_file_format("a.tsv"), TextFileFormat::tsv);
  EXPECT_EQ(text_file_format("a.jsonl"), TextFileFormat::jsonl);
  EXPECT_EQ(text_file_format("a.ndjson"), TextFileFormat::jsonl);
  EXPECT_EQ(text_file_format("a.txt"), TextFileFormat::plain);
  EXPECT_EQ(text_file_format("texts"), TextFileFormat::plain);
}

TEST(ReadTextFile, PlainTextIsOneTextALine) {
  test::TempDir dir;
  test::write_text(dir / "in.txt", "\xEF\xBB\xBFпервый\r\n\n  \nвторой, с запятой\n\nтретий");
  const TextFile file = read_text_file(dir / "in.txt", DatasetOptions{}, {}, true);
  EXPECT_EQ(file.format, TextFileFormat::plain);
  EXPECT_EQ(file.texts, (std::vector<std::string>{"первый", "второй, с запятой", "третий"}));
  EXPECT_FALSE(file.has_labels);
  EXPECT_EQ(file.origins.back(), (dir / "in.txt").string() + ":6");
  test::write_text(dir / "bad.txt", "ok\nне \xC3\x28 ok\n");
  auto e = test::caught<InputError>(
      [&] { read_text_file(dir / "bad.txt", DatasetOptions{}, {}, false); });
  ASSERT_TRUE(e);
  EXPECT_TRUE(contains(e->what(), (dir / "bad.txt").string() + ":2")) << e->what();
  EXPECT_TRUE(contains(e->what(), "invalid UTF-8")) << e->what();
  EXPECT_TRUE(test::caught<IoError>(
      [&] { read_text_file(dir / "missing.txt", DatasetOptions{}, {}, false); }));
}

TEST(ReadTextFile, CsvAndJsonlUseTheRunsFieldsAndLabelsWhenPresent) {
  test::TempDir dir;
  test::write_text(dir / "in.csv", "title,description,category\nДиван,Кожаный,Мебель\n,,Мебель\n");
  const TextFile csv = read_text_file(dir / "in.csv", DatasetOptions{}, {}, true);
  EXPECT_EQ(csv.texts, std::vector<std::string>{"Диван. Кожаный"});
  EXPECT_EQ(csv.skipped_empty, 1u);
  ASSERT_TRUE(csv.has_labels);
  EXPECT_EQ(csv.labels, std::vector<std::string>{"Мебель"});
  // Only some of the fields, or a "text" field instead; no label column: no labels.
  test::write_text(dir / "in.jsonl", "{\"title\": \"Диван\"}\n");
  EXPECT_EQ(read_text_file(dir / "in.jsonl", DatasetOptions{}, {}, true).texts,
            std::vector<std::string>{"Диван"});
  test::write_text(dir / "text.jsonl", "{\"text\": \"Шкаф\", \"kind\": \"x\"}\n");
  const TextFile text = read_text_file(dir / "text.jsonl", DatasetOptions{}, {}, true);
  EXPECT_EQ(text.texts, std::vector<std::string>{"Шкаф"});
  EXPECT_FALSE(text.has_labels);
  test::write_text(dir / "other.csv", "name,price\nДиван,10\n");
  auto e = test::caught<InputError>(
      [&] { read_text_file(dir / "other.csv", DatasetOptions{}, {}, false); });
  ASSERT_TRUE(e);
  EXPECT_TRUE(contains(e->what(), (dir / "other.csv").string())) << e->what();
  EXPECT_TRUE(contains(e->what(), "'name', 'price'")) << e->what();
}

}  // namespace
}  // namespace rubrika
