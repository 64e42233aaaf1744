// The analyzers give scikit-learn's n-grams (expected lists written out from
// TfidfVectorizer(analyzer="char_wb") / the default token_pattern by hand).
#include "tfidf_analyzer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace rubrika::tfidf {
namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(TfidfAnalyzer, CharWbPadsWordsAndCountsShortWordsOnce) {
  // " кот ": 2-grams " к" "ко" "от" "т "; 3: " ко" "кот" "от "; 4: " кот" "кот "; 5: " кот ".
  // " a ": 2-grams " a" "a "; 3: " a " once, then no longer n-grams (scikit-learn's break).
  const std::vector<std::string> expected = {" к",   "ко",   "от",    "т ", " ко", "кот", "от ",
                                             " кот", "кот ", " кот ", " a", "a ",  " a "};
  EXPECT_EQ(sorted(char_wb_ngrams("кот  a", {2, 5})), sorted(expected));
}

TEST(TfidfAnalyzer, CharWbSplitsOnAnyWhitespaceAndKeepsPunctuation) {
  EXPECT_EQ(sorted(char_wb_ngrams("да,\tнет", {3, 3})),
            sorted({" да", "да,", "а, ", " не", "нет", "ет "}));
  EXPECT_TRUE(char_wb_ngrams(" \n ", {2, 5}).empty());
  EXPECT_TRUE(char_wb_ngrams("кот", {0, 0}).empty());  // switched off
}

TEST(TfidfAnalyzer, WordTokensAreRunsOfTwoOrMoreWordCharacters) {
  // token_pattern (?u)\b\w\w+\b: "a" is too short, '-' and ',' split, digits and '_' belong.
  EXPECT_EQ(word_ngrams("Тест-драйв, a bb_2 мир", {1, 1}),
            (std::vector<std::string>{"Тест", "драйв", "bb_2", "мир"}));
  EXPECT_EQ(word_ngrams("Тест-драйв, a bb_2 мир", {2, 2}),
            (std::vector<std::string>{"Тест драйв", "драйв bb_2", "bb_2 мир"}));
  EXPECT_EQ(word_ngrams("один два", {1, 3}).size(), 3u);  // 2 unigrams + 1 bigram, no trigram
}

TEST(TfidfAnalyzer, RepeatedNgramsAreKeptSoCountsCanBeRecovered) {
  const auto grams = word_ngrams("кот кот кот", {1, 2});
  EXPECT_EQ(std::count(grams.begin(), grams.end(), "кот"), 3);
  EXPECT_EQ(std::count(grams.begin(), grams.end(), "кот кот"), 2);
}

}  // namespace
}  // namespace rubrika::tfidf
