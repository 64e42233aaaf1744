// Synthetic Russian classified ads: the corpus behind the quickstart, the tests and the
// benchmarks (`rubrika data synth`).
//
// A catalogue (configs/categories/ads_ru.toml) lists categories with lexicons and title /
// description templates; a noise file (configs/synth/noise_ru.toml, named by the catalogue's
// `noise` key) adds cities, phone numbers, «торг», typos, emoji and CAPS. The template syntax
// is documented at the top of ads_ru.toml.
//
// Determinism: every random choice comes from rubrika::SplitMix64 (core/random.hpp) with
// integer arithmetic only — no <random> distributions, no floating-point transcendental
// functions — so the same catalogue, count and seed give the same bytes with every compiler
// and standard library.
//
// Output CSV columns: title, description, city, price, category. `price` is whole rubles, or
// empty for an out-of-domain kind without a price. Out-of-domain rows (from a catalogue such as
// configs/categories/ood_ru.toml) have category = "ood" and one more column, `ood_kind`, holding
// the OOD catalogue's category name (Вакансии, Политика...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rubrika {

// The category value of every out-of-domain row.
inline constexpr const char* kOodCategory = "ood";

struct SynthCategory {
  std::string name;
  std::string description;                                     // one sentence; reranker text later
  std::vector<std::string> items, brands, models, attributes;  // lexicons ({item}, ...)
  std::vector<std::string> titles, phrases;                    // templates
  std::vector<std::string> confusable_with;                    // category names
  bool has_price = false;
  int64_t price_min = 0, price_max = 0;  // rubles, inclusive
};

// Probabilities and shared word lists from the noise file.
struct SynthNoise {
  double typo = 0, title_typo = 0, caps = 0, caps_title = 0, emoji = 0, phone = 0, extra = 0,
         price_in_text = 0, borrow = 0, title_swap = 0, lowercase = 0;
  std::vector<std::string> cities, phone_formats, phone_lead, emoji_list, caps_words, extras,
      price_formats;
  std::map<std::string, std::vector<std::string>> lists;  // [lists]: {color}, {condition}...
};

struct SynthCatalogue {
  std::filesystem::path file;
  std::vector<SynthCategory> categories;
  SynthNoise noise;

  // Reads and validates a catalogue and its noise file: required keys, types, unknown keys,
  // unknown template placeholders, unknown confusable_with names, duplicate names — each a
  // rubrika::RecipeError with file:line:col. IoError when a file is missing.
  static SynthCatalogue load(const std::filesystem::path& file);
  // nullptr when absent.
  const SynthCategory* find(const std::string& name) const;
};

struct SynthAd {
  std::string title, description, city, price, category;
  std::string ood_kind;  // OOD rows only
};

// How many ads each of `categories` categories gets for `n` ads: n / categories each, the
// first n % categories categories (catalogue order) one more.
std::vector<size_t> stratified_counts(size_t n, size_t categories);

// `n` in-domain ads, stratified over the catalogue's categories, in a seeded random order.
std::vector<SynthAd> generate_ads(const SynthCatalogue& catalogue, size_t n, uint64_t seed);
// `n` out-of-domain rows, stratified over the OOD catalogue's kinds; category = "ood".
std::vector<SynthAd> generate_ood(const SynthCatalogue& catalogue, size_t n, uint64_t seed);

// Writes ads as CSV (RFC 4180, UTF-8, LF line ends) atomically; `with_ood_kind` adds the
// ood_kind column.
void write_ads_csv(const std::filesystem::path& file, const std::vector<SynthAd>& ads,
                   bool with_ood_kind);

// Everything `rubrika data synth` (and a recipe's [data.synth]) does.
struct SynthRequest {
  std::filesystem::path categories;  // in-domain catalogue
  size_t n = 10000;                  // in-domain ads
  uint64_t seed = 42;
  std::filesystem::path out;             // in-domain CSV
  std::filesystem::path ood_categories;  // OOD catalogue; needed when ood_n > 0
  size_t ood_n = 0;                      // OOD rows; 0 = none
  std::filesystem::path ood_out;         // OOD CSV; needed when ood_n > 0
};

struct SynthSummary {
  size_t ads = 0, ood = 0;
  size_t categories = 0;
  double seconds = 0;  // generation + writing, wall clock
};

// OOD rows use a seed derived from `seed`, so in-domain and OOD draws never coincide.
SynthSummary synthesize(const SynthRequest& request);

// name → description of each [[category]] of a catalogue, reading only those two keys (for
// reranker texts). Throws RecipeError / IoError.
std::map<std::string, std::string> read_category_descriptions(const std::filesystem::path& file);

}  // namespace rubrika
