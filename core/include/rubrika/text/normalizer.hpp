// Normalizer: the text cleaning a pipeline applies before tokenizing — saved in the run
// folder (pipeline.toml [normalizer]) and applied identically in training, evaluation and
// serving, so a model never sees text cleaned differently from what it was fitted on.
//
// Steps, in order: UTF-8 check (error naming the byte offset, or U+FFFD replacement),
// Unicode NFC, lowercasing (utf8proc's case tables; Cyrillic А–Я and Ё included), ё → е,
// URL and e-mail masking, phone-number removal (the old notebooks' \+?\d[\d\-\s]{6,}\d),
// removal of listed words (cities, noise words; whole words, case-insensitive), whitespace
// collapse and trim.
#pragma once

#include <rubrika/text/utf8.hpp>

#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rubrika {

struct NormalizerOptions {
  bool nfc = true;                        // Unicode NFC composition (й stays one code point)
  bool lowercase = false;                 // lowercase every letter
  bool yo_to_e = false;                   // ё → е, Ё → Е
  bool remove_phones = false;             // drop phone numbers (\+?\d[\d\-\s]{6,}\d)
  bool mask_urls = false;                 // replace http(s)://… and www.… words by url_mask
  std::string url_mask = "<url>";         // what a URL becomes ("" removes it)
  bool mask_emails = false;               // replace name@host.tld words by email_mask
  std::string email_mask = "<email>";     // what an e-mail becomes ("" removes it)
  std::vector<std::string> remove_words;  // whole words or phrases to drop, any case
  std::vector<std::filesystem::path> remove_words_files;  // one word or phrase per line
  bool collapse_whitespace = true;                   // runs of whitespace → one space, trimmed
  InvalidUtf8 on_invalid_utf8 = InvalidUtf8::error;  // error (names the byte offset) | replace

  // The recipe's [normalizer] table; word-list files are read here (IoError if missing).
  static NormalizerOptions from_toml(const toml::table& table);
  // The resolved options with the word lists inlined, so a run folder needs no other file.
  toml::table to_toml() const;
};

class Normalizer {
 public:
  explicit Normalizer(NormalizerOptions options);
  // Throws rubrika::InputError naming the byte offset on invalid UTF-8 (unless replacing).
  std::string normalize(std::string_view text) const;
  const NormalizerOptions& options() const { return options_; }

 private:
  NormalizerOptions options_;
  std::vector<std::u32string> words_;  // lowercased remove_words, longest first
};

}  // namespace rubrika
