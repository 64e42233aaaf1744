// BertTokenizer against Hugging Face transformers 4.26.1 (tests/data/tokenizer/ and
// tests/data/hf-tiny-bert/, copied from ../shared/fixtures): every fixture item is a test,
// plus the edge cases users hit.
#include <rubrika/error.hpp>
#include <rubrika/text/bert_tokenizer.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

const fs::path kData = RUBRIKA_TEST_DATA_DIR;

nlohmann::json load_json(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const BertTokenizer& mbert(bool lower) {
  static const auto vocab =
      read_lines(kData / "tokenizer" / "bert-base-multilingual-cased-vocab.txt");
  static const BertTokenizer cased(vocab, BertTokenizerOptions{});
  static const BertTokenizer uncased = [] {
    BertTokenizerOptions o;
    o.do_lower_case = true;
    return BertTokenizer(vocab, o);
  }();
  return lower ? uncased : cased;
}

const BertTokenizer& tiny() {
  static const BertTokenizer t = BertTokenizer::from_folder(kData / "hf-tiny-bert");
  return t;
}

template <class T>
std::vector<T> as_vector(const nlohmann::json& j) {
  return j.get<std::vector<T>>();
}

void expect_matches(const Encoding& e, const nlohmann::json& want, bool offsets) {
  EXPECT_EQ(e.tokens, as_vector<std::string>(want["tokens"]));
  EXPECT_EQ(e.input_ids, as_vector<int64_t>(want["input_ids"]));
  EXPECT_EQ(e.token_type_ids, as_vector<int64_t>(want["token_type_ids"]));
  EXPECT_EQ(e.attention_mask, as_vector<int64_t>(want["attention_mask"]));
  EXPECT_EQ(e.truncated, want["truncated"].get<bool>());
  if (!offsets || !want.contains("offsets")) return;
  std::vector<std::pair<int64_t, int64_t>> cp, bytes;
  for (const auto& o : want["offsets"]) cp.emplace_back(o[0].get<int64_t>(), o[1].get<int64_t>());
  for (const auto& o : want["offsets_utf8"])
    bytes.emplace_back(o[0].get<int64_t>(), o[1].get<int64_t>());
  EXPECT_EQ(e.offsets, cp);
  EXPECT_EQ(e.offsets_utf8, bytes);
}

struct FixtureItem {
  std::string file;
  size_t index;
};

class MbertFixture : public ::testing::TestWithParam<FixtureItem> {};

TEST_P(MbertFixture, SingleAndPairMatchHuggingFace) {
  const auto json = load_json(kData / "tokenizer" / GetParam().file);
  const bool lower = json["meta"]["do_lower_case"].get<bool>();
  const auto& item = json["items"][GetParam().index];
  const std::string text = item["text"];
  const std::string pair = json["meta"]["text_pair"];
  SCOPED_TRACE(text.substr(0, 80));
  expect_matches(mbert(lower).encode(text, nullptr, 512), item["single"], true);
  std::string_view pair_view(pair);
  expect_matches(mbert(lower).encode(text, &pair_view, 512), item["pair"], true);
}

std::vector<FixtureItem> mbert_items() {
  std::vector<FixtureItem> items;
  for (const char* file : {"tokenizer-mbert-cased.json", "tokenizer-mbert-uncased.json"}) {
    const auto n = load_json(kData / "tokenizer" / file)["items"].size();
    for (size_t i = 0; i < n; ++i) items.push_back({file, i});
  }
  return items;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MbertFixture, ::testing::ValuesIn(mbert_items()),
                         [](const auto& info) {
                           return std::string(info.param.file.find("uncased") != std::string::npos
                                                  ? "uncased_"
                                                  : "cased_") +
                                  std::to_string(info.param.index);
                         });

class TinyBertFixture : public ::testing::TestWithParam<std::pair<std::string, size_t>> {};

TEST_P(TinyBertFixture, MatchesHuggingFace) {
  static const auto json = load_json(kData / "hf-tiny-bert" / "reference.json");
  const auto& item = json[GetParam().first][GetParam().second];
  const std::string text = item["text"];
  if (item.contains("text_pair")) {
    const std::string pair = item["text_pair"];
    std::string_view view(pair);
    expect_matches(tiny().encode(text, &view, 512), item, false);
  } else {
    expect_matches(tiny().encode(text, nullptr, 512), item, false);
  }
}

std::vector<std::pair<std::string, size_t>> tiny_items() {
  std::vector<std::pair<std::string, size_t>> items;
  const auto json = load_json(kData / "hf-tiny-bert" / "reference.json");
  for (const char* section : {"single", "pairs"})
    for (size_t i = 0; i < json[section].size(); ++i) items.emplace_back(section, i);
  return items;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TinyBertFixture, ::testing::ValuesIn(tiny_items()),
                         [](const auto& info) {
                           return info.param.first + "_" + std::to_string(info.param.second);
                         });

TEST(TinyBert, PaddedBatchesMatchHuggingFace) {
  const auto json = load_json(kData / "hf-tiny-bert" / "reference.json");
  for (const char* section : {"batched_single", "batched_pairs"}) {
    const auto& batch = json[section];
    const auto& items = json[std::string(section) == "batched_single" ? "single" : "pairs"];
    std::vector<Encoding> encodings;
    for (const auto& item : items) {
      const std::string text = item["text"];
      if (item.contains("text_pair")) {
        const std::string pair = item["text_pair"];
        std::string_view view(pair);
        encodings.push_back(tiny().encode(text, &view, 512));
      } else {
        encodings.push_back(tiny().encode(text, nullptr, 512));
      }
    }
    TokenBatch padded = tiny().pad(encodings);
    auto ids = batch["input_ids"].get<std::vector<std::vector<int64_t>>>();
    auto mask = batch["attention_mask"].get<std::vector<std::vector<int64_t>>>();
    ASSERT_EQ(padded.size(), static_cast<int64_t>(ids.size())) << section;
    ASSERT_EQ(padded.seq_len(), static_cast<int64_t>(ids[0].size())) << section;
    for (size_t i = 0; i < ids.size(); ++i)
      for (size_t j = 0; j < ids[i].size(); ++j) {
        ASSERT_EQ(padded.input_ids[i][j].item<int64_t>(), ids[i][j])
            << section << " " << i << "," << j;
        ASSERT_EQ(padded.attention_mask[i][j].item<int64_t>(), mask[i][j]);
      }
  }
}

TEST(BertTokenizer, EmptyAndBlankTextsGiveOnlySpecials) {
  for (const char* text : {"", "   ", "\t\n ", "\u00AD\u200B"}) {
    auto e = mbert(false).encode(text);
    EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "[SEP]"})) << text;
  }
}

TEST(BertTokenizer, PunctuationAndEmoji) {
  EXPECT_EQ(mbert(false).tokenize("!?..."), (std::vector<std::string>{"!", "?", ".", ".", "."}));
  EXPECT_EQ(mbert(false).tokenize("👍"), (std::vector<std::string>{"[UNK]"}));
  auto glued = mbert(false).tokenize("отличное👍 состояние");
  ASSERT_EQ(glued.size(), 2u);
  EXPECT_EQ(glued[0], "[UNK]");  // an emoji glued to a word makes the whole word unknown
}

TEST(BertTokenizer, DecomposedShortIDependsOnCase) {
  const std::string decomposed = "Чаи\u0306ник";
  auto cased = mbert(false).tokenize(decomposed);
  EXPECT_EQ(cased, (std::vector<std::string>{"[UNK]"}));
  auto uncased = mbert(true).encode(decomposed);
  ASSERT_GE(uncased.tokens.size(), 3u);
  EXPECT_NE(uncased.tokens[1], "[UNK]");
}

TEST(BertTokenizer, MixedScriptsAndCjk) {
  auto tokens = mbert(false).tokenize("iPhone 13 Про Max 手机");
  EXPECT_EQ(tokens.back(), "机");
  EXPECT_EQ(tokens[tokens.size() - 2], "手");
}

TEST(BertTokenizer, SpecialTokensInTextAreNeverSplit) {
  auto tokens = mbert(false).tokenize("да[SEP]нет");
  EXPECT_EQ(tokens, (std::vector<std::string>{"да", "[SEP]", "нет"}));
}

TEST(BertTokenizer, LongWordsAndLongTexts) {
  std::string long_word(101, 'a');
  EXPECT_EQ(mbert(false).tokenize(long_word), (std::vector<std::string>{"[UNK]"}));
  std::string long_text;
  while (long_text.size() < 10000) long_text += "Продаю велосипед в хорошем состоянии. ";
  auto e = mbert(false).encode(long_text, nullptr, 128);
  EXPECT_EQ(e.size(), 128u);
  EXPECT_TRUE(e.truncated);
  EXPECT_EQ(e.tokens.back(), "[SEP]");
}

TEST(BertTokenizer, InvalidUtf8NamesTheByteOffset) {
  try {
    mbert(false).encode(std::string("ok \xff bad"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 3"), std::string::npos) << e.what();
  }
}

TEST(BertTokenizer, PairTruncationCutsTheLongerSideFirst) {
  std::string a, b;
  for (int i = 0; i < 30; ++i) a += "дом ";
  for (int i = 0; i < 5; ++i) b += "дом ";
  ASSERT_EQ(mbert(false).tokenize(a).size(), 30u);
  std::string_view pair(b);
  auto second_segment = [](const Encoding& e) {
    return std::count(e.token_type_ids.begin(), e.token_type_ids.end(), 1);
  };
  auto e = mbert(false).encode(a, &pair, 25);
  EXPECT_EQ(e.size(), 25u);
  EXPECT_EQ(second_segment(e), 6);  // 5 words + [SEP]: only the longer first segment was cut
  auto both = mbert(false).encode(a, &pair, 9);  // 6 tokens of room: 3 and 3
  EXPECT_EQ(second_segment(both), 4);
  EXPECT_TRUE(both.truncated);
  EXPECT_THROW(mbert(false).encode(a, &pair, 12, Truncation::only_second), InputError);
  auto first_only = mbert(false).encode(a, &pair, 25, Truncation::only_first);
  EXPECT_EQ(second_segment(first_only), 6);
  auto second_only = mbert(false).encode(b, &pair, 10, Truncation::only_second);
  EXPECT_EQ(second_segment(second_only), 3);
}

TEST(BertTokenizer, WindowsOverlapByStride) {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "дом ";
  auto windows = mbert(false).encode_windows(text, 10, 3);  // 8 tokens of room, step 5
  ASSERT_EQ(windows.size(), 4u);                            // starts 0, 5, 10, 15
  EXPECT_EQ(windows[1].offsets[1], windows[0].offsets[6]);
  EXPECT_EQ(windows.back().tokens.back(), "[SEP]");
  EXPECT_THROW(mbert(false).encode_windows(text, 10, 8), InputError);
}

TEST(BertTokenizer, PadsToAMultipleOfEight) {
  auto batch =
      mbert(false).pad({mbert(false).encode("дом"), mbert(false).encode("большой дом у реки")}, 8);
  EXPECT_EQ(batch.seq_len(), 8);
  EXPECT_EQ(batch.attention_mask[0].sum().item<int64_t>(), 3);
  EXPECT_EQ(batch.input_ids[0][7].item<int64_t>(), 0);
}

TEST(BertTokenizer, SaveAndLoadRoundTrip) {
  auto dir = fs::temp_directory_path() / ("rubrika_tok_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  tiny().save(dir);
  auto again = BertTokenizer::from_folder(dir);
  EXPECT_EQ(again.vocab(), tiny().vocab());
  EXPECT_EQ(again.encode("Продаю iPhone").input_ids, tiny().encode("Продаю iPhone").input_ids);
  fs::remove_all(dir);
  EXPECT_THROW(BertTokenizer::from_folder(dir), IoError);
}

TEST(BertTokenizer, MissingSpecialTokenIsAnError) {
  EXPECT_THROW(BertTokenizer({"a", "b"}, BertTokenizerOptions{}), InputError);
}

}  // namespace
}  // namespace rubrika
