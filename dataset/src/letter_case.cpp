#include "letter_case.hpp"

#include <rubrika/text/utf8.hpp>

namespace rubrika::letter_case {

char32_t to_upper(char32_t c) {
  if (c >= U'a' && c <= U'z') return c - 32;
  if (c >= U'а' && c <= U'я') return c - 32;
  if (c == U'ё') return U'Ё';
  return c;
}

char32_t to_lower(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 32;
  if (c >= U'А' && c <= U'Я') return c + 32;
  if (c == U'Ё') return U'ё';
  return c;
}

std::string upper(std::string_view text) {
  std::u32string chars = utf8::decode(text, InvalidUtf8::replace);
  for (char32_t& c : chars) c = to_upper(c);
  return utf8::encode(chars);
}

std::string lower(std::string_view text) {
  std::u32string chars = utf8::decode(text, InvalidUtf8::replace);
  for (char32_t& c : chars) c = to_lower(c);
  return utf8::encode(chars);
}

std::string capitalize(std::string_view text) {
  std::u32string chars = utf8::decode(text, InvalidUtf8::replace);
  if (!chars.empty()) chars[0] = to_upper(chars[0]);
  return utf8::encode(chars);
}

bool is_letter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'А' && c <= U'я') ||
         c == U'ё' || c == U'Ё';
}

}  // namespace rubrika::letter_case
