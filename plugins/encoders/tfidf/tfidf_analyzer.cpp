#include "tfidf_analyzer.hpp"

#include <utf8proc.h>

namespace rubrika::tfidf {
namespace {

// One decoded code point and where its bytes are in the text.
struct CodePoint {
  int32_t value;
  size_t begin;  // byte offset
  size_t end;    // byte offset one past the last byte
};

// The text as code points. The encoder validated the UTF-8 already; a stray invalid byte
// would still become one U+FFFD-like unit here rather than an endless loop.
std::vector<CodePoint> decode(std::string_view text) {
  std::vector<CodePoint> out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                              static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    if (n <= 0) n = 1, cp = 0xFFFD;
    out.push_back({cp, i, i + static_cast<size_t>(n)});
    i += static_cast<size_t>(n);
  }
  return out;
}

// Python's `\w` under re.UNICODE: letters, numbers (any N* category) and '_'.
bool is_word_char(int32_t cp) {
  if (cp == '_') return true;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// Python's str.isspace(): what str.split() and `\s` split on.
bool is_space(int32_t cp) {
  if ((cp >= 9 && cp <= 13) || (cp >= 28 && cp <= 32) || cp == 0x85) return true;
  const auto category = utf8proc_category(cp);
  return category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
         category == UTF8PROC_CATEGORY_ZP;
}

}  // namespace

std::vector<std::string> word_ngrams(std::string_view text, NgramRange range) {
  std::vector<std::string> out;
  if (!range.enabled()) return out;
  const auto points = decode(text);
  std::vector<std::string_view> tokens;
  for (size_t i = 0; i < points.size();) {
    if (!is_word_char(points[i].value)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < points.size() && is_word_char(points[j].value)) ++j;
    if (j - i >= 2)
      tokens.push_back(text.substr(points[i].begin, points[j - 1].end - points[i].begin));
    i = j;
  }
  for (int64_t n = range.min_n; n <= range.max_n; ++n) {
    const auto width = static_cast<size_t>(n);
    for (size_t i = 0; i + width <= tokens.size(); ++i) {
      std::string gram(tokens[i]);
      for (size_t k = 1; k < width; ++k) (gram += ' ') += tokens[i + k];
      out.push_back(std::move(gram));
    }
  }
  return out;
}

std::vector<std::string> char_wb_ngrams(std::string_view text, NgramRange range) {
  std::vector<std::string> out;
  if (!range.enabled()) return out;
  const auto points = decode(text);
  for (size_t i = 0; i < points.size();) {
    if (is_space(points[i].value)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < points.size() && !is_space(points[j].value)) ++j;
    // The padded word " w " as strings per code point, so n-grams count code points.
    std::vector<std::string_view> padded;
    padded.reserve(j - i + 2);
    padded.emplace_back(" ");
    for (size_t k = i; k < j; ++k)
      padded.push_back(text.substr(points[k].begin, points[k].end - points[k].begin));
    padded.emplace_back(" ");
    const size_t length = padded.size();
    for (int64_t n = range.min_n; n <= range.max_n; ++n) {
      const auto width = static_cast<size_t>(n);
      size_t offset = 0;
      auto append = [&] {
        std::string gram;
        for (size_t k = offset; k < std::min(length, offset + width); ++k) gram += padded[k];
        out.push_back(std::move(gram));
      };
      append();
      while (offset + width < length) {
        ++offset;
        append();
      }
      if (offset == 0) break;  // a padded word no longer than n is counted once
    }
    i = j;
  }
  return out;
}

}  // namespace rubrika::tfidf
