// Unicode helpers shared by the tokenizer and the normaliser (private to core/src/text).
// Character data comes from utf8proc; no hand-made tables except the CJK ranges and the
// ASCII punctuation set that Hugging Face's BertTokenizer hard-codes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rubrika::text {

// A code point and where it came from: its index among the input's code points.
struct Char {
  char32_t cp;
  int32_t origin;
};

// Decodes UTF-8. On invalid input: throws InputError naming the byte offset, or (replace)
// substitutes U+FFFD for each bad sequence. `byte_offsets` (optional) receives the byte
// offset of every code point plus the total length at the end.
std::vector<char32_t> decode_utf8(std::string_view text, bool replace_invalid,
                                  std::vector<int64_t>* byte_offsets = nullptr);
void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(const std::vector<char32_t>& cps);

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
