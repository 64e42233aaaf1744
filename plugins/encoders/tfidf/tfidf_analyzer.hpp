// The two analyzers of the tfidf encoder, written to give the same n-grams as
// scikit-learn's TfidfVectorizer (so a baseline fitted here matches the old notebooks):
//
//   word:    tokens are maximal runs of >= 2 word characters (token_pattern
//            r"(?u)\b\w\w+\b": Unicode letters, numbers and '_'); n-grams are the tokens
//            joined by one space, for n in [min_n, max_n].
//   char_wb: every whitespace-separated word is padded with one space on each side and
//            cut into character (code point) n-grams for n in [min_n, max_n]; a padded
//            word shorter than n gives itself once (scikit-learn's _char_wb_ngrams).
//
// Input must be valid UTF-8 (the encoder checks it first). Lowercasing is done by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rubrika::tfidf {

struct NgramRange {
  int64_t min_n = 1;
  int64_t max_n = 1;
  // An empty range (max_n == 0) switches the analyzer off.
  bool enabled() const { return max_n > 0; }
};

// Every word n-gram occurrence of `text`, in text order (repeats included).
std::vector<std::string> word_ngrams(std::string_view text, NgramRange range);

// Every char_wb n-gram occurrence of `text` (repeats included).
std::vector<std::string> char_wb_ngrams(std::string_view text, NgramRange range);

}  // namespace rubrika::tfidf
