// Small UTF-8 helpers for request validation. They take text the JSON parser has already
// found to be valid UTF-8 (it is the one check; see request_parsing.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rubrika::serve {

// Number of code points in valid UTF-8.
size_t utf8_length(std::string_view text);

// The first `max_chars` code points of valid UTF-8 (never splits a character).
std::string utf8_prefix(std::string_view text, size_t max_chars);

}  // namespace rubrika::serve
