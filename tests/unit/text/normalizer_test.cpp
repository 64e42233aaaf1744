// The normaliser's options one by one, and its error paths.
#include <rubrika/error.hpp>
#include <rubrika/text/bert_tokenizer.hpp>
#include <rubrika/text/normalizer.hpp>
#include <rubrika/text/wordpiece_trainer.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace rubrika {
namespace {

Normalizer make(const std::string& toml_text) {
  return Normalizer(
      NormalizerOptions::from_toml(toml::parse(toml_text, std::string("/r/recipe.toml"))));
}

TEST(Normalizer, DefaultsComposeAndCollapseOnly) {
  auto n = make("");
  EXPECT_EQ(n.normalize("  Чаи\u0306ник   НОВЫЙ \t"), "Чайник НОВЫЙ");  // NFC: и + ̆ → й
}

TEST(Normalizer, LowercasesCyrillicLatinAndYo) {
  auto n = make("lowercase = true\nyo_to_e = true\n");
  EXPECT_EQ(n.normalize("ЁЛКА Ёжик iPhone ПРОДАЁТСЯ"), "елка ежик iphone продается");
  EXPECT_EQ(make("yo_to_e = true\n").normalize("Ёлка"), "Елка");
}

TEST(Normalizer, RemovesPhonesLikeTheOldNotebooks) {
  auto n = make("remove_phones = true\n");
  EXPECT_EQ(n.normalize("Звоните +7 999 123-45-67, торг"), "Звоните , торг");
  EXPECT_EQ(n.normalize("тел 89991234567"), "тел");
  EXPECT_EQ(n.normalize("iPhone 13 128 ГБ за 45000"),
            "iPhone 13 128 ГБ за 45000");  // short numbers stay
}

TEST(Normalizer, MasksUrlsAndEmails) {
  auto n = make("mask_urls = true\nmask_emails = true\n");
  EXPECT_EQ(n.normalize("фото на https://avito.ru/x и www.site.ru, пишите ivan@mail.ru"),
            "фото на <url> и <url> пишите <email>");
  auto removed = make("mask_urls = true\nurl_mask = \"\"\n");
  EXPECT_EQ(removed.normalize("см. http://x.ru тут"), "см. тут");
}

TEST(Normalizer, RemovesListedWholeWordsAnyCase) {
  auto n = make("remove_words = [\"москва\", \"торг уместен\"]\n");
  EXPECT_EQ(n.normalize("Диван, Москва. ТОРГ УМЕСТЕН! Москвич"), "Диван, . ! Москвич");
}

TEST(Normalizer, ReadsWordListFilesAndInlinesThemWhenSaved) {
  auto dir =
      std::filesystem::temp_directory_path() / ("rubrika_norm_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "words.txt") << "# comment\nКазань\n";
  auto options = NormalizerOptions::from_toml(
      toml::parse("remove_words_files = [\"words.txt\"]\n", (dir / "recipe.toml").string()));
  EXPECT_EQ(Normalizer(options).normalize("Шкаф Казань"), "Шкаф");
  auto saved = options.to_toml();
  EXPECT_EQ(saved["remove_words"][0].value<std::string>(), "Казань");
  EXPECT_EQ(Normalizer(NormalizerOptions::from_toml(saved)).normalize("Шкаф Казань"), "Шкаф");
  std::filesystem::remove_all(dir);
  EXPECT_THROW(
      NormalizerOptions::from_toml(toml::parse("remove_words_files = [\"/no/such.txt\"]\n")),
      IoError);
}

TEST(Normalizer, InvalidUtf8IsAnErrorOrReplaced) {
  try {
    make("").normalize("ok\xc3");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 2"), std::string::npos);
  }
  EXPECT_EQ(make("on_invalid_utf8 = \"replace\"\n").normalize("a\xff b"), "a\xEF\xBF\xBD b");
}

TEST(Normalizer, UnknownKeyHasLineAndColumn) {
  try {
    make("lowercse = true\n");
    FAIL();
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "/r/recipe.toml:1:1");
    EXPECT_EQ(e.hint(), "did you mean 'lowercase'?");
  }
}

TEST(WordPieceTrainer, LearnsSpecialsAlphabetAndMergesDeterministically) {
  std::vector<std::string> corpus;
  for (int i = 0; i < 50; ++i) {
    corpus.push_back("Продаю диван, состояние отличное");
    corpus.push_back("Сдаю квартиру на длительный срок");
  }
  WordPieceTrainerOptions options;
  options.vocab_size = 120;
  auto vocab = train_wordpiece(corpus, options);
  EXPECT_EQ(vocab, train_wordpiece(corpus, options));
  ASSERT_GE(vocab.size(), 60u);
  EXPECT_LE(vocab.size(), 120u);
  EXPECT_EQ(vocab[0], "[PAD]");
  EXPECT_EQ(vocab[3], "[SEP]");
  EXPECT_NE(std::find(vocab.begin(), vocab.end(), "##о"), vocab.end());
  EXPECT_NE(std::find(vocab.begin(), vocab.end(), "диван"),
            vocab.end());  // frequent word merged whole
  BertTokenizer tokenizer(vocab, BertTokenizerOptions{});
  for (const auto& token : tokenizer.tokenize(corpus[0])) EXPECT_NE(token, "[UNK]");
  EXPECT_THROW(train_wordpiece({}, options), InputError);
}

}  // namespace
}  // namespace rubrika
