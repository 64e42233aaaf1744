// The UTF-8 codec of rubrika (RFC 3629): validation that names the first bad byte, decoding
// (strict or with U+FFFD replacement), encoding, and code-point counting. Every layer uses
// this one: the normaliser and tokenizer, the dataset readers, request validation in serve.
//
// Well-formed means: no stray continuation bytes, no truncated sequences, no overlong
// forms (C0 AF for '/'), no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
#pragma once

#include <rubrika/enum_names.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rubrika {

// What decoding does with malformed UTF-8 (the normaliser's `on_invalid_utf8`).
enum class InvalidUtf8 {
  error,    // throw InputError "invalid UTF-8 at byte offset N"
  replace,  // U+FFFD for each byte that does not start a well-formed sequence
};
inline constexpr EnumName<InvalidUtf8> kInvalidUtf8Names[] = {{"error", InvalidUtf8::error},
                                                              {"replace", InvalidUtf8::replace}};

namespace utf8 {

// Byte offset of the first bad byte, or nullopt when `text` is well-formed. The bad byte
// is the one that breaks the sequence: a byte that cannot start one (stray continuation,
// C0, C1, F5..FF), the lead of an overlong, surrogate, too-large or truncated sequence,
// or the first byte that should have continued a sequence and does not.
std::optional<size_t> first_invalid(std::string_view text);

// Decodes `text`. On malformed input: InvalidUtf8::error throws rubrika::InputError naming
// the byte offset (first_invalid's); InvalidUtf8::replace gives U+FFFD for each byte that
// does not start a well-formed sequence and goes on at the next byte. `byte_offsets`
// (optional) receives the byte offset of every code point plus the total length at the end.
std::u32string decode(std::string_view text, InvalidUtf8 on_invalid = InvalidUtf8::error,
                      std::vector<int64_t>* byte_offsets = nullptr);

// Appends the UTF-8 of `cp` (a scalar value: not a surrogate, at most U+10FFFF).
void append(std::string& out, char32_t cp);
std::string encode(std::u32string_view text);

// Number of code points in well-formed `text` (counts the bytes that are not continuations).
size_t length(std::string_view text);

// The first `max_chars` code points of well-formed `text` (never splits a character).
std::string prefix(std::string_view text, size_t max_chars);

// `text` as an error message may quote it: whole when it has at most `max_bytes` bytes, else
// its first bytes up to a character boundary within `max_bytes`, then "…". Any bytes (a
// message about invalid UTF-8 may carry some), so a client's megabyte of bad input is never
// echoed back whole.
std::string clip(std::string_view text, size_t max_bytes);

}  // namespace utf8
}  // namespace rubrika
