#include "unicode.hpp"

#include <utf8proc.h>

namespace rubrika::text {

namespace {
utf8proc_category_t category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}
}  // namespace

bool is_control(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CS:
      return true;
    default:
      return false;
  }
}

bool is_whitespace(char32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return true;
  return category(cp) == UTF8PROC_CATEGORY_ZS;
}

bool is_punctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126))
    return true;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

bool is_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_python_split_space(char32_t cp) {
  // After cleaning only these of Python's whitespace set are left besides the space.
  return cp == ' ' || cp == 0x2028 || cp == 0x2029;
}

bool is_mark_nonspacing(char32_t cp) { return category(cp) == UTF8PROC_CATEGORY_MN; }

void lower_into(char32_t cp, int32_t origin, std::vector<Char>& out) {
  if (cp == 0x0130) {  // İ: Python's full lowercase mapping gives i + combining dot above
    out.push_back({U'i', origin});
    out.push_back({0x0307, origin});
    return;
  }
  out.push_back(
      {static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))), origin});
}

void strip_accents_into(char32_t cp, int32_t origin, std::vector<Char>& out) {
  utf8proc_int32_t buffer[32];
  int options = 0;
  const auto n =
      utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buffer, 32,
                              static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE), &options);
  if (n < 0 || n > 32) {
    if (!is_mark_nonspacing(cp)) out.push_back({cp, origin});
    return;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    const auto c = static_cast<char32_t>(buffer[i]);
    if (!is_mark_nonspacing(c)) out.push_back({c, origin});
  }
}

}  // namespace rubrika::text
