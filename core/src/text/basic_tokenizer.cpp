#include "basic_tokenizer.hpp"

namespace rubrika::text {
namespace {

bool strips_accents(const BertTokenizerOptions& o) {
  return o.strip_accents.has_value() ? *o.strip_accents : o.do_lower_case;
}

// Lowercasing and accent stripping of one whitespace-separated word, then the split on
// punctuation; appends the resulting words.
void finish_word(std::vector<Char>& word, const BertTokenizerOptions& o,
                 std::vector<std::vector<Char>>& words) {
  if (word.empty()) return;
  std::vector<Char> normalised;
  normalised.reserve(word.size());
  if (o.do_lower_case) {
    for (const Char& c : word) lower_into(c.cp, c.origin, normalised);
  } else {
    normalised = word;
  }
  if (strips_accents(o)) {
    std::vector<Char> stripped;
    stripped.reserve(normalised.size());
    for (const Char& c : normalised) strip_accents_into(c.cp, c.origin, stripped);
    normalised.swap(stripped);
  }
  std::vector<Char> current;
  for (const Char& c : normalised) {
    if (is_punctuation(c.cp)) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
      words.push_back({c});
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  word.clear();
}

}  // namespace

std::vector<std::vector<Char>> basic_tokenize(const std::u32string& cps, size_t begin, size_t end,
                                              const BertTokenizerOptions& o) {
  std::vector<std::vector<Char>> words;
  std::vector<Char> word;
  for (size_t i = begin; i < end; ++i) {
    const char32_t cp = cps[i];
    if (cp == 0 || cp == 0xFFFD || is_control(cp)) continue;
    if (is_whitespace(cp) || is_python_split_space(cp)) {
      finish_word(word, o, words);
      continue;
    }
    if (o.tokenize_chinese_chars && is_cjk(cp)) {
      finish_word(word, o, words);
      word.push_back({cp, static_cast<int32_t>(i)});
      finish_word(word, o, words);
      continue;
    }
    word.push_back({cp, static_cast<int32_t>(i)});
  }
  finish_word(word, o, words);
  return words;
}

}  // namespace rubrika::text
