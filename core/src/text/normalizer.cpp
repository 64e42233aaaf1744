#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/text/normalizer.hpp>
#include <rubrika/text/utf8.hpp>

#include "unicode.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace rubrika {
namespace {

bool is_digit(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_ND;
}

bool is_word_char(char32_t cp) {
  const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) || c == UTF8PROC_CATEGORY_ND ||
         c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC;
}

char32_t lower(char32_t cp) {
  return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
}

std::u32string nfc(const std::u32string& text) {
  const std::string bytes = utf8::encode(text);
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(bytes.data()),
                              static_cast<utf8proc_ssize_t>(bytes.size()), &out,
                              static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return text;
  std::u32string composed = utf8::decode(
      std::string_view(reinterpret_cast<char*>(out), static_cast<size_t>(n)), InvalidUtf8::replace);
  std::free(out);
  return composed;
}

// \+?\d[\d\-\s]{6,}\d, leftmost-longest like Python's re.sub.
std::u32string remove_phones(const std::u32string& s) {
  auto middle = [](char32_t cp) { return is_digit(cp) || cp == U'-' || text::is_whitespace(cp); };
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    size_t start = i, first = i;
    if (s[first] == U'+') ++first;
    if (first < s.size() && is_digit(s[first])) {
      size_t end = first + 1;
      while (end < s.size() && middle(s[end])) ++end;
      // Backtrack to the last digit that leaves at least 6 characters in the middle.
      size_t last = end;
      while (last > first + 7 && !is_digit(s[last - 1])) --last;
      if (last >= first + 8 && is_digit(s[last - 1])) {
        i = last;
        continue;
      }
    }
    out.push_back(s[start]);
    i = start + 1;
  }
  return out;
}

bool starts_with(const std::u32string& s, size_t at, const std::u32string& prefix) {
  return s.compare(at, prefix.size(), prefix) == 0;
}

// Replaces whitespace-separated words that are URLs or e-mails.
std::u32string mask_words(const std::u32string& s, const NormalizerOptions& o) {
  std::u32string out;
  const std::u32string url_mask = utf8::decode(o.url_mask);
  const std::u32string email_mask = utf8::decode(o.email_mask);
  for (size_t i = 0; i < s.size();) {
    if (text::is_whitespace(s[i])) {
      out.push_back(s[i++]);
      continue;
    }
    size_t end = i;
    while (end < s.size() && !text::is_whitespace(s[end])) ++end;
    std::u32string word = s.substr(i, end - i);
    std::u32string lowered = word;
    for (auto& c : lowered) c = lower(c);
    const bool url =
        o.mask_urls && (starts_with(lowered, 0, U"http://") ||
                        starts_with(lowered, 0, U"https://") || starts_with(lowered, 0, U"www."));
    const size_t at = word.find(U'@');
    const bool email = o.mask_emails && at != std::u32string::npos && at > 0 &&
                       word.find(U'.', at) != std::u32string::npos &&
                       word.find(U'.', at) + 1 < word.size();
    out += url ? url_mask : email ? email_mask : word;
    i = end;
  }
  return out;
}

// Removes whole-word occurrences (case-insensitive) of each listed word or phrase.
std::u32string remove_listed(const std::u32string& s, const std::vector<std::u32string>& words) {
  if (words.empty()) return s;
  std::u32string lowered = s;
  for (auto& c : lowered) c = lower(c);
  std::vector<bool> drop(s.size(), false);
  for (const auto& w : words) {
    for (size_t at = lowered.find(w); at != std::u32string::npos; at = lowered.find(w, at + 1)) {
      const bool left = at == 0 || !is_word_char(lowered[at - 1]);
      const bool right = at + w.size() == lowered.size() || !is_word_char(lowered[at + w.size()]);
      if (left && right)
        std::fill(drop.begin() + static_cast<long>(at),
                  drop.begin() + static_cast<long>(at + w.size()), true);
    }
  }
  std::u32string out;
  for (size_t i = 0; i < s.size(); ++i)
    if (!drop[i]) out.push_back(s[i]);
  return out;
}

std::u32string collapse(const std::u32string& s) {
  std::u32string out;
  bool space = false;
  for (char32_t c : s) {
    if (text::is_whitespace(c) || c == 0x2028 || c == 0x2029) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(U' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> read_word_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw IoError("cannot read word list", file.string(), "check [normalizer] remove_words_files");
  std::vector<std::string> words;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') words.push_back(line);
  }
  return words;
}

}  // namespace

NormalizerOptions NormalizerOptions::from_toml(const toml::table& table) {
  OptionsReader in(table, "normalizer", false);
  NormalizerOptions o;
  o.nfc = in.get_bool("nfc", o.nfc);
  o.lowercase = in.get_bool("lowercase", o.lowercase);
  o.yo_to_e = in.get_bool("yo_to_e", o.yo_to_e);
  o.remove_phones = in.get_bool("remove_phones", o.remove_phones);
  o.mask_urls = in.get_bool("mask_urls", o.mask_urls);
  o.url_mask = in.get_string("url_mask", o.url_mask);
  o.mask_emails = in.get_bool("mask_emails", o.mask_emails);
  o.email_mask = in.get_string("email_mask", o.email_mask);
  o.remove_words = in.get_strings("remove_words", o.remove_words);
  o.remove_words_files = in.get_paths("remove_words_files");
  o.collapse_whitespace = in.get_bool("collapse_whitespace", o.collapse_whitespace);
  o.on_invalid_utf8 = in.get_enum("on_invalid_utf8", o.on_invalid_utf8, kInvalidUtf8Names);
  in.finish();
  for (const auto& file : o.remove_words_files)
    for (auto& word : read_word_file(file)) o.remove_words.push_back(std::move(word));
  o.remove_words_files.clear();
  return o;
}

toml::table NormalizerOptions::to_toml() const {
  toml::array words;
  for (const auto& w : remove_words) words.push_back(w);
  return toml::table{{"nfc", nfc},
                     {"lowercase", lowercase},
                     {"yo_to_e", yo_to_e},
                     {"remove_phones", remove_phones},
                     {"mask_urls", mask_urls},
                     {"url_mask", url_mask},
                     {"mask_emails", mask_emails},
                     {"email_mask", email_mask},
                     {"remove_words", words},
                     {"collapse_whitespace", collapse_whitespace},
                     {"on_invalid_utf8", enum_name(kInvalidUtf8Names, on_invalid_utf8)}};
}

Normalizer::Normalizer(NormalizerOptions options) : options_(std::move(options)) {
  for (const auto& word : options_.remove_words) {
    std::u32string lowered = utf8::decode(word);
    for (char32_t& c : lowered) c = lower(c);
    if (!lowered.empty()) words_.push_back(lowered);
  }
  std::sort(words_.begin(), words_.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Normalizer::normalize(std::string_view input) const {
  std::u32string s = utf8::decode(input, options_.on_invalid_utf8);
  if (options_.nfc) s = nfc(s);
  if (options_.lowercase)
    for (auto& c : s) c = lower(c);
  if (options_.yo_to_e)
    for (auto& c : s) c = c == U'ё' ? U'е' : c == U'Ё' ? U'Е' : c;
  if (options_.mask_urls || options_.mask_emails) s = mask_words(s, options_);
  if (options_.remove_phones) s = remove_phones(s);
  s = remove_listed(s, words_);
  if (options_.collapse_whitespace) s = collapse(s);
  return utf8::encode(s);
}

}  // namespace rubrika
