#include <rubrika/error.hpp>
#include <rubrika/text/utf8.hpp>

namespace rubrika::utf8 {
namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// One step of decoding at `at`: the code point and its length, or (length 0) the offset of
// the bad byte.
struct Step {
  char32_t cp = 0;
  size_t length = 0;
  size_t bad = 0;
};

Step step(std::string_view text, size_t at) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char lead = bytes[at];
  if (lead < 0x80) return {lead, 1, 0};
  size_t n = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
  } else {
    return {0, 0, at};  // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  if (at + n > text.size()) return {0, 0, at};  // truncated at the end of the text
  char32_t cp = lead & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if (!is_continuation(bytes[at + k])) return {0, 0, at + k};
    cp = (cp << 6) | (bytes[at + k] & 0x3F);
  }
  // What the second-byte ranges of RFC 3629 rule out: overlong 3- and 4-byte forms,
  // surrogates and code points above U+10FFFF.
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
      cp > 0x10FFFF)
    return {0, 0, at};
  return {cp, n, 0};
}

}  // namespace

std::optional<size_t> first_invalid(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const Step s = step(text, at);
    if (s.length == 0) return s.bad;
    at += s.length;
  }
  return std::nullopt;
}

std::u32string decode(std::string_view text, InvalidUtf8 on_invalid,
                      std::vector<int64_t>* byte_offsets) {
  std::u32string out;
  out.reserve(text.size());
  if (byte_offsets) byte_offsets->clear();
  for (size_t at = 0; at < text.size();) {
    const Step s = step(text, at);
    if (byte_offsets) byte_offsets->push_back(static_cast<int64_t>(at));
    if (s.length == 0) {
      if (on_invalid == InvalidUtf8::error)
        throw InputError("invalid UTF-8 at byte offset " + std::to_string(s.bad), "",
                         "re-encode the text as UTF-8");
      out.push_back(U'\uFFFD');
      ++at;
      continue;
    }
    out.push_back(s.cp);
    at += s.length;
  }
  if (byte_offsets) byte_offsets->push_back(static_cast<int64_t>(text.size()));
  return out;
}

void append(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF) cp = U'\uFFFD';
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char32_t cp : text) append(out, cp);
  return out;
}

size_t length(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += is_continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

std::string prefix(std::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation(static_cast<unsigned char>(text[i]))) {
      if (chars == max_chars) return std::string(text.substr(0, i));
      ++chars;
    }
  }
  return std::string(text);
}

std::string clip(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Back to the lead byte of the character that would be cut (at most 3 continuations).
  for (int i = 0; i < 3 && end > 0 && is_continuation(static_cast<unsigned char>(text[end])); ++i)
    --end;
  return std::string(text.substr(0, end)) + "…";
}

}  // namespace rubrika::utf8
