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

// Slow paths: straight from utf8proc, for any code point.
bool is_control_slow(char32_t cp);      // HF _is_control: C* categories except \t \n \r
bool is_whitespace_slow(char32_t cp);   // HF _is_whitespace: space, \t \n \r, Zs
bool is_punctuation_slow(char32_t cp);  // HF _is_punctuation: ASCII ranges or P*
void lower_into_slow(char32_t cp, int32_t origin, std::vector<Char>& out);
void strip_accents_into_slow(char32_t cp, int32_t origin, std::vector<Char>& out);
bool is_mark_nonspacing(char32_t cp);   // category Mn

namespace detail {
// Properties of the first code points (Latin, Greek, Cyrillic, ...), computed once from the
// slow paths above so the hot loop does not walk utf8proc's tables for every character.
constexpr char32_t kTableSize = 0x800;
enum : uint8_t { kControl = 1, kWhitespace = 2, kPunctuation = 4, kStripKeeps = 8 };
struct CharTable {
  uint8_t flags[kTableSize];
  char32_t lower[kTableSize];
};
CharTable build_char_table();
inline const CharTable& char_table() {
  static const CharTable table = build_char_table();
  return table;
}
}  // namespace detail

inline bool is_control(char32_t cp) {
  return cp < detail::kTableSize ? (detail::char_table().flags[cp] & detail::kControl) != 0 : is_control_slow(cp);
}
inline bool is_whitespace(char32_t cp) {
  return cp < detail::kTableSize ? (detail::char_table().flags[cp] & detail::kWhitespace) != 0
                                 : is_whitespace_slow(cp);
}
inline bool is_punctuation(char32_t cp) {
  return cp < detail::kTableSize ? (detail::char_table().flags[cp] & detail::kPunctuation) != 0
                                 : is_punctuation_slow(cp);
}
bool is_cjk(char32_t cp);                 // HF _is_chinese_char ranges
bool is_python_split_space(char32_t cp);  // what str.split() splits on (after cleaning)

// Python's str.lower() of one code point (İ → i + U+0307; everything else one-to-one).
inline void lower_into(char32_t cp, int32_t origin, std::vector<Char>& out) {
  if (cp < detail::kTableSize && cp != 0x0130) {
    out.push_back({detail::char_table().lower[cp], origin});
    return;
  }
  lower_into_slow(cp, origin, out);
}
// NFD of one code point, marks Mn removed (BertTokenizer's _run_strip_accents).
inline void strip_accents_into(char32_t cp, int32_t origin, std::vector<Char>& out) {
  if (cp < detail::kTableSize && (detail::char_table().flags[cp] & detail::kStripKeeps) != 0) {
    out.push_back({cp, origin});
    return;
  }
  strip_accents_into_slow(cp, origin, out);
}

}  // namespace rubrika::text
