// Synthetic Russian news for multi-label topic classification (`rubrika data synth --kind news`).
//
// A catalogue (configs/categories/news_ru.toml) lists the topics (the label set, in label
// order), per-topic titles and body sentences, story kinds that carry none, one or two topics
// (sanctions → политика + экономика, box office → культура + экономика, a sports ministry
// decision → спорт + политика, a tech company's results → технологии + экономика; weather and
// incidents carry none), shared boilerplate sentences, invented sources, cities and
// out-of-domain (non-news) texts. The layout and the template syntax are documented at the top
// of news_ru.toml; templates are rendered by the ads generator's renderer (synth_template).
//
// An item: title + body of words[0]..words[1] words (60–400 in news_ru.toml; 60 % short, up
// to words_min + 100); its topics are its kind's. A body opens with a sentence of the kind or
// of one of its topics, gives every topic at least one sentence (except brief items:
// `brief_share`, the kind's sentences and boilerplate only), may digress for 1–4 sentences
// into another topic (`digression_share`; half the time a topic that shares a story kind with
// the primary one), then fills up with the kind's sentences, its topics' (the primary topic,
// listed first, most of them), boilerplate (`filler_share`) and passing mentions of
// other topics (`mention_share`). Digressions and mentions draw from a topic's sentences and
// those of the kinds that carry it. So vocabularies overlap and a TF-IDF model stays below
// 0.99 (validation macro-F1 0.966 at 10 000 items, seed 42).
//
// Output (JSONL, or CSV when the file name ends in .csv), fields in this order:
//   id, source, date (YYYY-MM-DD), title, body,
//   labels      the item's topics within the selected set (`topics`, default all), in
//               catalogue order; empty for no-topic items and for items whose topics all lie
//               outside the set. JSONL: a list; CSV: "a|b".
//   <topic>     one 0/1 field per selected topic (label_columns).
//   all_labels  every topic of the item from the whole catalogue, selected or not (JSONL list,
//               CSV "a|b"), kept for a later extension of the label set. A list of names, not
//               0/1 values: the project's JSONL reader rejects object fields, and a list is what
//               `label_field = "all_labels"` reads directly.
// OOD output: id, ood_kind, text (JSONL or CSV, by extension).
//
// Determinism: every choice comes from rubrika::SplitMix64 with integer arithmetic only, so
// the same catalogue, count, seed and topics give the same bytes everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rubrika {

struct NewsTopic {
  std::string name;
  std::vector<std::string> titles, sentences;  // templates
};

struct NewsKind {
  std::string name;
  std::vector<size_t> topics;  // indices into NewsCatalogue::topics, ascending; empty = no topic
  size_t primary = 0;          // the topic listed first (most of the body); 0 when none
  int64_t weight = 1;          // relative frequency
  std::vector<std::string> titles, sentences;  // templates; titles may be empty (topics' titles)
};

struct NewsOodKind {
  std::string name;
  std::vector<std::string> texts;  // templates
  int64_t max_parts = 3;           // texts joined per row: 1..max_parts
};

struct NewsCatalogue {
  std::filesystem::path file;
  std::vector<NewsTopic> topics;  // label order
  std::vector<NewsKind> kinds;
  std::vector<NewsOodKind> ood;
  std::vector<std::string> cities, sources, filler;
  std::map<std::string, std::vector<std::string>> lists;  // [lists]
  int64_t year_min = 2022, year_max = 2025;
  int64_t words_min = 60, words_max = 400;  // title + body
  int64_t filler_share = 30;                // per cent of body sentences
  int64_t mention_share = 9;                // per cent of body sentences
  int64_t digression_share = 0;             // per cent of items: 1–4 sentences of another topic
  int64_t brief_share = 0;                  // per cent of items: kind's sentences + filler only

  // Reads and validates a catalogue: required keys, types, unknown keys, unknown template
  // placeholders, unknown or duplicate topic names — RecipeError with file:line:col; IoError
  // when the file is missing.
  static NewsCatalogue load(const std::filesystem::path& file);
  // Index of a topic; npos when unknown.
  size_t find_topic(const std::string& name) const;
};

struct NewsItem {
  std::string id, source, date, title, body, kind;
  std::vector<size_t> topics;  // the kind's topics (indices, ascending)
};

struct NewsOodItem {
  std::string id, kind, text;
};

// Words of title + body: runs of characters other than space, tab and newline.
size_t news_word_count(const NewsItem& item);

// Topic indices for `names` (empty = all, in catalogue order). InputError naming an unknown
// or repeated topic and listing the known ones.
std::vector<size_t> select_topics(const NewsCatalogue& catalogue,
                                  const std::vector<std::string>& names);

// `n` items, kinds drawn by weight, in a seeded order.
std::vector<NewsItem> generate_news(const NewsCatalogue& catalogue, size_t n, uint64_t seed);
// `n` non-news rows, stratified over the catalogue's [[ood]] kinds (seed salted).
std::vector<NewsOodItem> generate_news_ood(const NewsCatalogue& catalogue, size_t n, uint64_t seed);

// Writes items atomically as JSONL, or CSV when `file` ends in .csv; `selected` from
// select_topics.
void write_news(const std::filesystem::path& file, const std::vector<NewsItem>& items,
                const NewsCatalogue& catalogue, const std::vector<size_t>& selected);
void write_news_ood(const std::filesystem::path& file, const std::vector<NewsOodItem>& rows);

// Everything `rubrika data synth --kind news` does.
struct NewsSynthRequest {
  std::filesystem::path catalogue;  // news catalogue
  int64_t n = 10000;                // items; must be >= 1
  uint64_t seed = 42;
  std::filesystem::path out;        // .jsonl or .csv
  std::vector<std::string> topics;  // selected topics; empty = all
  std::filesystem::path ood_out;    // non-news rows; empty = none
  int64_t ood_n = 0;                // rows for ood_out; must be >= 1 when ood_out is given
};

struct NewsSynthSummary {
  size_t items = 0, no_topic = 0, ood = 0;
  std::vector<std::string> topics;  // selected
  std::vector<size_t> per_topic;    // items labelled with each selected topic
  double seconds = 0;
};

// InputError for a missing catalogue / output, n <= 0, an unknown topic.
NewsSynthSummary synthesize_news(const NewsSynthRequest& request);

}  // namespace rubrika
