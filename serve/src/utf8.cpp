#include <rubrika/serve/utf8.hpp>

#include <cstdint>

namespace rubrika::serve {
namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Length of the well-formed sequence starting at `i`, or 0 when it is malformed.
size_t sequence_length(std::string_view text, size_t i) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x80) return 1;
  size_t length;
  uint32_t min_value, code;
  if ((byte & 0xE0) == 0xC0) {
    length = 2, min_value = 0x80, code = byte & 0x1F;
  } else if ((byte & 0xF0) == 0xE0) {
    length = 3, min_value = 0x800, code = byte & 0x0F;
  } else if ((byte & 0xF8) == 0xF0) {
    length = 4, min_value = 0x10000, code = byte & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if (!is_continuation(next)) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  if (code < min_value || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

std::optional<size_t> first_invalid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = sequence_length(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::nullopt;
}

size_t utf8_length(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += is_continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return count;
}

std::string utf8_prefix(std::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation(static_cast<unsigned char>(text[i]))) {
      if (chars == max_chars) return std::string(text.substr(0, i));
      ++chars;
    }
  }
  return std::string(text);
}

}  // namespace rubrika::serve
