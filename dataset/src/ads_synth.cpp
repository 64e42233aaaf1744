// Generation of synthetic ads from a loaded catalogue (see ads_synth.hpp for the contract).
#include <algorithm>
#include <chrono>
#include <numeric>
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/data/csv.hpp>
#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/random.hpp>
#include <rubrika/text/utf8.hpp>

#include "letter_case.hpp"
#include "synth_template.hpp"

namespace rubrika {
namespace {

using synth::chance;
using synth::pick;

// Keeps in-domain and OOD draws apart when both come from the same user seed.
constexpr uint64_t kOodSeedSalt = 0x4F4F445F53594E54ull;  // "OOD_SYNT"

// Rounds to what a seller would type: tens, hundreds, thousands or ten-thousands.
int64_t round_price(int64_t value) {
  const int64_t step = value < 1000 ? 10 : value < 10000 ? 100 : value < 1000000 ? 1000 : 10000;
  return (value + step / 2) / step * step;
}

// Log-uniform in octaves: one octave [lo, 2·lo] of [min, max] uniformly, then a price inside
// it, so prices spread over orders of magnitude as on real boards (a 1 500 ₽ guitar is as
// likely as a 150 000 ₽ one is rare). Integer arithmetic only: same draws everywhere.
int64_t draw_price(const SynthCategory& c, SplitMix64& rng) {
  std::vector<int64_t> edges = {std::max<int64_t>(c.price_min, 1)};
  while (edges.back() < c.price_max) edges.push_back(std::min(edges.back() * 2, c.price_max));
  if (edges.size() == 1) return round_price(c.price_max);
  const size_t octave = rng.below(edges.size() - 1);
  const int64_t low = edges[octave], high = edges[octave + 1];
  return round_price(low + static_cast<int64_t>(rng.below(static_cast<uint64_t>(high - low) + 1)));
}

std::string phone_number(const std::string& format, SplitMix64& rng) {
  std::string out;
  for (char c : format) out.push_back(c == '#' ? static_cast<char>('0' + rng.below(10)) : c);
  return out;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(' ', begin);
    if (end == std::string::npos) end = text.size();
    words.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return words;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}

bool all_letters(const std::u32string& word) {
  return std::all_of(word.begin(), word.end(), letter_case::is_letter);
}

// Per word of at least 4 letters, with probability `rate`: swap two neighbouring letters or
// drop one (never the first letter, as people rarely mistype it).
std::string add_typos(const std::string& text, double rate, SplitMix64& rng) {
  if (rate <= 0) return text;
  std::vector<std::string> words = split_words(text);
  for (auto& word : words) {
    std::u32string letters = utf8::decode(word, InvalidUtf8::replace);
    if (letters.size() < 4 || !all_letters(letters) || !chance(rate, rng)) continue;
    const size_t at = 1 + rng.below(letters.size() - 2);  // 1 .. size-2
    if (rng.below(2) == 0)
      std::swap(letters[at], letters[at + 1]);
    else
      letters.erase(at, 1);
    word = utf8::encode(letters);
  }
  return join(words, " ");
}

// One word of at least 3 letters in CAPS («продам ОТЛИЧНЫЙ диван»).
std::string caps_one_word(const std::string& text, SplitMix64& rng) {
  std::vector<std::string> words = split_words(text);
  std::vector<size_t> candidates;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::u32string letters = utf8::decode(words[i], InvalidUtf8::replace);
    if (letters.size() >= 3 && all_letters(letters)) candidates.push_back(i);
  }
  if (candidates.empty()) return text;
  std::string& word = words[candidates[rng.below(candidates.size())]];
  word = letter_case::upper(word);
  return join(words, " ");
}

// 1–3 distinct phrases of the category, in random order.
std::vector<std::string> description_sentences(const SynthCategory& c,
                                               const synth::TemplateScope& scope, SplitMix64& rng) {
  const size_t count = std::min<size_t>(c.phrases.size(), 1 + rng.below(3));
  std::vector<size_t> order(c.phrases.size());
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = 0; i < count; ++i) std::swap(order[i], order[i + rng.below(order.size() - i)]);
  std::vector<std::string> sentences;
  for (size_t i = 0; i < count; ++i)
    sentences.push_back(letter_case::capitalize(synth::render(c.phrases[order[i]], scope, rng)));
  return sentences;
}

void add_noise(SynthAd& ad, const SynthNoise& noise, SplitMix64& rng) {
  ad.description = add_typos(ad.description, noise.typo, rng);
  ad.title = add_typos(ad.title, noise.title_typo, rng);
  if (chance(noise.caps, rng)) {
    if (rng.below(2) == 0)
      ad.title = pick(noise.caps_words, rng) + "! " + ad.title;
    else
      ad.description = caps_one_word(ad.description, rng);
  }
  if (chance(noise.caps_title, rng)) ad.title = letter_case::upper(ad.title);
  if (chance(noise.emoji, rng)) {
    if (rng.below(2) == 0)
      ad.title = pick(noise.emoji_list, rng) + " " + ad.title;
    else
      ad.description += " " + pick(noise.emoji_list, rng);
  }
  if (chance(noise.lowercase, rng)) {
    ad.title = letter_case::lower(ad.title);
    ad.description = letter_case::lower(ad.description);
  }
}

SynthAd make_ad(const SynthCatalogue& catalogue, const SynthCategory& c, SplitMix64& rng) {
  static const std::vector<std::string> units = {"₽", "руб.", "р.", "рублей"};
  const SynthNoise& noise = catalogue.noise;
  SynthAd ad;
  ad.category = c.name;
  ad.city = pick(noise.cities, rng);
  int64_t price = 0;
  std::string price_text;
  if (c.has_price) {
    price = draw_price(c, rng);
    ad.price = std::to_string(price);
    price_text = synth::group_digits(price) + " " + pick(units, rng);
  }
  const synth::TemplateScope scope{c, noise, ad.city, price_text};
  // Confusable pairs: now and then the title reads like a neighbouring category's (a phone
  // ad titled like a tablet one), so only the description tells them apart.
  const SynthCategory* title_from = &c;
  if (!c.confusable_with.empty() && chance(noise.title_swap, rng))
    title_from = catalogue.find(pick(c.confusable_with, rng));
  const synth::TemplateScope title_scope{*title_from, noise, ad.city, price_text};
  ad.title =
      letter_case::capitalize(synth::render(pick(title_from->titles, rng), title_scope, rng));
  std::vector<std::string> sentences = description_sentences(c, scope, rng);
  // Confusable pairs: one sentence from a category that shares vocabulary with this one.
  if (!c.confusable_with.empty() && chance(noise.borrow, rng)) {
    const SynthCategory& other = *catalogue.find(pick(c.confusable_with, rng));
    const synth::TemplateScope other_scope{other, noise, ad.city, price_text};
    const size_t replaced = rng.below(sentences.size());
    sentences[replaced] =
        letter_case::capitalize(synth::render(pick(other.phrases, rng), other_scope, rng));
  }
  if (chance(noise.extra, rng))
    sentences.push_back(synth::render(pick(noise.extras, rng), scope, rng));
  if (c.has_price && chance(noise.price_in_text, rng)) {
    std::string format = pick(noise.price_formats, rng);
    format.replace(format.find("{price}"), 7, synth::group_digits(price));
    sentences.push_back(format);
  }
  if (chance(noise.phone, rng)) {
    // Separate statements: the order of operands of + is unspecified, the draws must not be.
    const std::string lead = pick(noise.phone_lead, rng);
    sentences.push_back(lead + " " + phone_number(pick(noise.phone_formats, rng), rng));
  }
  ad.description = join(sentences, " ");
  add_noise(ad, noise, rng);
  return ad;
}

// Category index of every ad: stratified counts, then a seeded shuffle of the order.
std::vector<size_t> ad_categories(size_t n, size_t categories, SplitMix64& rng) {
  const std::vector<size_t> counts = stratified_counts(n, categories);
  std::vector<size_t> order;
  order.reserve(n);
  for (size_t c = 0; c < counts.size(); ++c) order.insert(order.end(), counts[c], c);
  shuffle(order, rng);
  return order;
}

}  // namespace

std::vector<size_t> stratified_counts(size_t n, size_t categories) {
  if (categories == 0) return {};
  std::vector<size_t> counts(categories, n / categories);
  for (size_t i = 0; i < n % categories; ++i) ++counts[i];
  return counts;
}

std::vector<SynthAd> generate_ads(const SynthCatalogue& catalogue, size_t n, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<SynthAd> ads;
  ads.reserve(n);
  for (size_t c : ad_categories(n, catalogue.categories.size(), rng))
    ads.push_back(make_ad(catalogue, catalogue.categories[c], rng));
  return ads;
}

std::vector<SynthAd> generate_ood(const SynthCatalogue& catalogue, size_t n, uint64_t seed) {
  std::vector<SynthAd> rows = generate_ads(catalogue, n, seed ^ kOodSeedSalt);
  for (auto& row : rows) {
    row.ood_kind = std::move(row.category);
    row.category = kOodCategory;
  }
  return rows;
}

void write_ads_csv(const std::filesystem::path& file, const std::vector<SynthAd>& ads,
                   bool with_ood_kind) {
  std::vector<std::string> header = {"title", "description", "city", "price", "category"};
  if (with_ood_kind) header.push_back("ood_kind");
  std::vector<std::vector<std::string>> rows;
  rows.reserve(ads.size());
  for (const auto& ad : ads) {
    rows.push_back({ad.title, ad.description, ad.city, ad.price, ad.category});
    if (with_ood_kind) rows.back().push_back(ad.ood_kind);
  }
  write_csv(file, header, rows);
}

SynthSummary synthesize(const SynthRequest& request) {
  if (request.categories.empty())
    throw InputError("no category catalogue given", "data synth", "pass --categories FILE");
  if (request.out.empty())
    throw InputError("no output file given", "data synth", "pass --out FILE");
  if (request.n == 0) throw InputError("n must be at least 1", "data synth", "pass --n 10000");
  if (request.ood_n > 0 && (request.ood_categories.empty() || request.ood_out.empty()))
    throw InputError("OOD rows need both an OOD catalogue and an output file", "data synth",
                     "pass --ood-categories FILE and --ood-out FILE, or --ood-n 0");
  const auto start = std::chrono::steady_clock::now();
  SynthSummary summary;
  const SynthCatalogue catalogue = SynthCatalogue::load(request.categories);
  write_ads_csv(request.out, generate_ads(catalogue, request.n, request.seed), false);
  summary.ads = request.n;
  summary.categories = catalogue.categories.size();
  if (request.ood_n > 0) {
    const SynthCatalogue ood = SynthCatalogue::load(request.ood_categories);
    write_ads_csv(request.ood_out, generate_ood(ood, request.ood_n, request.seed), true);
    summary.ood = request.ood_n;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_info("data/synth", "wrote " + std::to_string(summary.ads) + " ads over " +
                             std::to_string(summary.categories) + " categories to " +
                             request.out.string());
  return summary;
}

}  // namespace rubrika
