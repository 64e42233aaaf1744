// Hugging Face's BasicTokenizer (private to core/src/text): clean, space CJK, split on
// whitespace, lowercase / strip accents as configured, split punctuation — keeping the
// input position of every character. Shared by BertTokenizer and the vocabulary trainer.
//
// for_each_word streams words to a callback out of reusable buffers (no allocation per
// word once the buffers have grown: this is the tokenizer's hot loop).
#pragma once

#include <rubrika/text/bert_tokenizer.hpp>

#include "unicode.hpp"

#include <vector>

namespace rubrika::text {

// Buffers reused from word to word and text to text.
struct BasicScratch {
  std::vector<Char> word, lowered, stripped;
};

namespace detail {

inline bool strips_accents(const BertTokenizerOptions& o) {
  return o.strip_accents.has_value() ? *o.strip_accents : o.do_lower_case;
}

// Lowercasing and accent stripping of one whitespace-separated word, then the split on
// punctuation (each punctuation character a word of its own); empties `scratch.word`.
template <class Visit>
void finish_word(const BertTokenizerOptions& o, BasicScratch& scratch, Visit& visit) {
  if (scratch.word.empty()) return;
  const std::vector<Char>* current = &scratch.word;
  if (o.do_lower_case) {
    scratch.lowered.clear();
    for (const Char& c : *current) lower_into(c.cp, c.origin, scratch.lowered);
    current = &scratch.lowered;
  }
  if (strips_accents(o)) {
    scratch.stripped.clear();
    for (const Char& c : *current) strip_accents_into(c.cp, c.origin, scratch.stripped);
    current = &scratch.stripped;
  }
  const Char* chars = current->data();
  const size_t n = current->size();
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_punctuation(chars[i].cp)) continue;
    if (i > start) visit(chars + start, i - start);
    visit(chars + i, size_t{1});
    start = i + 1;
  }
  if (n > start) visit(chars + start, n - start);
  scratch.word.clear();
}

}  // namespace detail

// Calls visit(const Char* word, size_t length) for every word of cps[begin, end).
template <class Visit>
void for_each_word(const std::vector<char32_t>& cps, size_t begin, size_t end, const BertTokenizerOptions& o,
                   BasicScratch& scratch, Visit&& visit) {
  scratch.word.clear();
  for (size_t i = begin; i < end; ++i) {
    const char32_t cp = cps[i];
    if (cp == 0 || cp == 0xFFFD || is_control(cp)) continue;
    if (is_whitespace(cp) || is_python_split_space(cp)) {
      detail::finish_word(o, scratch, visit);
      continue;
    }
    if (o.tokenize_chinese_chars && is_cjk(cp)) {
      detail::finish_word(o, scratch, visit);
      scratch.word.push_back({cp, static_cast<int32_t>(i)});
      detail::finish_word(o, scratch, visit);
      continue;
    }
    scratch.word.push_back({cp, static_cast<int32_t>(i)});
  }
  detail::finish_word(o, scratch, visit);
}

// Words of cps[begin, end), each copied out (for callers that keep them).
std::vector<std::vector<Char>> basic_tokenize(const std::vector<char32_t>& cps, size_t begin, size_t end,
                                              const BertTokenizerOptions& options);

}  // namespace rubrika::text
