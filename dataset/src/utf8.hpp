// UTF-8 helpers private to the data area: validation with a byte offset, code point
// decoding, and the Russian/Latin case mapping the synthetic-ads noise needs.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rubrika::utf8 {

// Byte offset of the first byte that does not start or continue a valid UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF are invalid), or nullopt.
std::optional<size_t> first_invalid(std::string_view text);

// Decodes valid UTF-8 (check with first_invalid first; invalid bytes become U+FFFD).
std::u32string decode(std::string_view text);
std::string encode(std::u32string_view text);

// Case mapping for ASCII and Cyrillic (А–Я, Ё); other code points are left alone.
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
std::string upper(std::string_view text);
std::string lower(std::string_view text);
// The first code point in upper case, the rest unchanged.
std::string capitalize(std::string_view text);

// True for ASCII letters and Cyrillic letters.
bool is_letter(char32_t c);

// Number of code points in `text` (1-based columns in error messages count these).
size_t length(std::string_view text);

}  // namespace rubrika::utf8
