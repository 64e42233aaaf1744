// Unicode character properties shared by the tokenizer and the normaliser (private to
// core/src/text); the UTF-8 codec itself is rubrika/text/utf8.hpp.
// Character data comes from utf8proc; no hand-made tables except the CJK ranges and the
// ASCII punctuation set that Hugging Face's BertTokenizer hard-codes.
#pragma once

#include <cstdint>
#include <vector>

namespace rubrika::text {

// A code point and where it came from: its index among the input's code points.
struct Char {
  char32_t cp;
  int32_t origin;
};

bool is_control(char32_t cp);             // HF _is_control: C* categories except \t \n \r
bool is_whitespace(char32_t cp);          // HF _is_whitespace: space, \t \n \r, Zs
bool is_punctuation(char32_t cp);         // HF _is_punctuation: ASCII ranges or P*
bool is_cjk(char32_t cp);                 // HF _is_chinese_char ranges
bool is_python_split_space(char32_t cp);  // what str.split() splits on (after cleaning)
bool is_mark_nonspacing(char32_t cp);     // category Mn

// Python's str.lower() of one code point (İ → i + U+0307; everything else one-to-one).
void lower_into(char32_t cp, int32_t origin, std::vector<Char>& out);
// NFD of one code point, marks Mn removed (BertTokenizer's _run_strip_accents).
void strip_accents_into(char32_t cp, int32_t origin, std::vector<Char>& out);

}  // namespace rubrika::text
