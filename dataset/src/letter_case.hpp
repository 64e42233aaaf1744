// Letter case for the synthetic-ads noise, private to the data area: the Russian/Latin
// case mapping (ASCII, А–Я, Ё) over the core UTF-8 codec (rubrika/text/utf8.hpp).
#pragma once

#include <string>
#include <string_view>

namespace rubrika::letter_case {

// Case mapping for ASCII and Cyrillic (А–Я, Ё); other code points are left alone.
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
std::string upper(std::string_view text);
std::string lower(std::string_view text);
// The first code point in upper case, the rest unchanged.
std::string capitalize(std::string_view text);

// True for ASCII letters and Cyrillic letters.
bool is_letter(char32_t c);

}  // namespace rubrika::letter_case
