#include "utf8.hpp"

namespace rubrika::utf8 {
namespace {

// Length of the sequence starting with `lead`, 0 when `lead` cannot start one.
int sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::optional<size_t> first_invalid(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    const int n = sequence_length(bytes[i]);
    if (n == 0) return i;
    if (i + n > text.size()) return i;
    for (int k = 1; k < n; ++k)
      if (!is_continuation(bytes[i + k])) return i + k;
    // Second-byte ranges that rule out overlong forms, surrogates and > U+10FFFF.
    if (n == 3 && bytes[i] == 0xE0 && bytes[i + 1] < 0xA0) return i;
    if (n == 3 && bytes[i] == 0xED && bytes[i + 1] > 0x9F) return i;
    if (n == 4 && bytes[i] == 0xF0 && bytes[i + 1] < 0x90) return i;
    if (n == 4 && bytes[i] == 0xF4 && bytes[i + 1] > 0x8F) return i;
    i += n;
  }
  return std::nullopt;
}

std::u32string decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    const int n = sequence_length(bytes[i]);
    if (n == 0 || i + n > text.size()) {
      out.push_back(U'\uFFFD');
      ++i;
      continue;
    }
    char32_t c = n == 1 ? bytes[i] : (bytes[i] & (0x7F >> n));
    for (int k = 1; k < n; ++k) c = (c << 6) | (bytes[i + k] & 0x3F);
    out.push_back(c);
    i += n;
  }
  return out;
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char32_t c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

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
  std::u32string chars = decode(text);
  for (char32_t& c : chars) c = to_upper(c);
  return encode(chars);
}

std::string lower(std::string_view text) {
  std::u32string chars = decode(text);
  for (char32_t& c : chars) c = to_lower(c);
  return encode(chars);
}

std::string capitalize(std::string_view text) {
  std::u32string chars = decode(text);
  if (!chars.empty()) chars[0] = to_upper(chars[0]);
  return encode(chars);
}

bool is_letter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'А' && c <= U'я') ||
         c == U'ё' || c == U'Ё';
}

size_t length(std::string_view text) {
  size_t n = 0;
  for (char c : text)
    if (!is_continuation(static_cast<unsigned char>(c))) ++n;
  return n;
}

}  // namespace rubrika::utf8
