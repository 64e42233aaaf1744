// Small UTF-8 helpers for request validation (bodies are checked before JSON parsing so
// the error can name the byte offset).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rubrika::serve {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF); nullopt when valid.
std::optional<size_t> first_invalid_utf8(std::string_view text);

// Number of code points in valid UTF-8.
size_t utf8_length(std::string_view text);

// The first `max_chars` code points of valid UTF-8 (never splits a character).
std::string utf8_prefix(std::string_view text, size_t max_chars);

}  // namespace rubrika::serve
