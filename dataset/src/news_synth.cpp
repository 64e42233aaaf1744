// Generation and writing of synthetic news (see news_synth.hpp for the contract).
#include <rubrika/data/news_synth.hpp>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/data/csv.hpp>
#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/log.hpp>
#include <rubrika/random.hpp>

#include "letter_case.hpp"
#include "synth_template.hpp"

namespace rubrika {
namespace {

namespace fs = std::filesystem;
using synth::pick;

// Keeps in-domain and OOD draws apart when both come from the same user seed.
constexpr uint64_t kNewsOodSeedSalt = 0x4E4557535F4F4F44ull;  // "NEWS_OOD"

// The renderer's scope for news templates: no category lists, the catalogue's [lists].
struct Renderer {
  explicit Renderer(const NewsCatalogue& catalogue) { noise.lists = catalogue.lists; }
  std::string operator()(const std::string& text, const std::string& city, SplitMix64& rng) const {
    const std::string no_price;
    const synth::TemplateScope scope{category, noise, city, no_price};
    return letter_case::capitalize(synth::render(text, scope, rng));
  }
  SynthCategory category;
  SynthNoise noise;
};

size_t word_count(const std::string& text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::string padded(size_t value, size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

std::string draw_date(const NewsCatalogue& c, SplitMix64& rng) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int64_t year =
      c.year_min +
      static_cast<int64_t>(rng.below(static_cast<uint64_t>(c.year_max - c.year_min + 1)));
  const int month = 1 + static_cast<int>(rng.below(12));
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  const int day = 1 + static_cast<int>(rng.below(static_cast<uint64_t>(days)));
  return std::to_string(year) + "-" + padded(static_cast<size_t>(month), 2) + "-" +
         padded(static_cast<size_t>(day), 2);
}

const NewsKind& draw_kind(const NewsCatalogue& c, SplitMix64& rng) {
  uint64_t total = 0;
  for (const auto& kind : c.kinds) total += static_cast<uint64_t>(kind.weight);
  uint64_t at = rng.below(total);
  for (const auto& kind : c.kinds) {
    if (at < static_cast<uint64_t>(kind.weight)) return kind;
    at -= static_cast<uint64_t>(kind.weight);
  }
  return c.kinds.back();
}

// Words of title + body to aim for: most items short (a hump over words_min .. words_min +
// 100), the rest long (up to words_max - 20), as on a news feed.
size_t draw_target(const NewsCatalogue& c, SplitMix64& rng) {
  const int64_t span = c.words_max - c.words_min;
  if (span <= 20) return static_cast<size_t>(c.words_min);
  const int64_t short_span = std::min<int64_t>(100, span - 20);
  const bool is_short = rng.below(100) < 60;
  const int64_t from = is_short ? 0 : short_span, width = is_short ? short_span : span - 20 - from;
  const auto step = static_cast<uint64_t>(width / 2 + 1);
  const uint64_t extra = rng.below(step) + rng.below(step);
  return static_cast<size_t>(c.words_min + from) + static_cast<size_t>(extra);
}

// What a story says about topic t in passing (a digression, a mention): the topic's sentences
// and those of every kind that carries it (the cost of sanctions in a diplomacy story).
std::vector<std::vector<std::string>> mention_pools(const NewsCatalogue& c) {
  std::vector<std::vector<std::string>> pools;
  for (const auto& topic : c.topics) pools.push_back(topic.sentences);
  for (const auto& kind : c.kinds)
    for (size_t t : kind.topics)
      pools[t].insert(pools[t].end(), kind.sentences.begin(), kind.sentences.end());
  return pools;
}

// neighbours[a][b]: some story kind carries both topics a and b.
std::vector<std::vector<bool>> topic_neighbours(const NewsCatalogue& c) {
  std::vector<std::vector<bool>> near(c.topics.size(), std::vector<bool>(c.topics.size(), false));
  for (const auto& kind : c.kinds)
    for (size_t a : kind.topics)
      for (size_t b : kind.topics) near[a][b] = near[a][b] || a != b;
  return near;
}

NewsItem make_item(const NewsCatalogue& c, const Renderer& render,
                   const std::vector<std::vector<std::string>>& mentions,
                   const std::vector<std::vector<bool>>& neighbours, size_t index,
                   SplitMix64& rng) {
  const NewsKind& kind = draw_kind(c, rng);
  NewsItem item;
  item.id = "news-" + padded(index + 1, 6);
  item.kind = kind.name;
  item.topics = kind.topics;
  item.source = pick(c.sources, rng);
  item.date = draw_date(c, rng);
  const std::string city = pick(c.cities, rng);
  if (!kind.titles.empty() && (kind.topics.empty() || rng.below(100) < 50)) {
    item.title = render(pick(kind.titles, rng), city, rng);
  } else {
    const NewsTopic& topic = c.topics[kind.topics[rng.below(kind.topics.size())]];
    item.title = render(pick(topic.titles, rng), city, rng);
  }
  const size_t target = draw_target(c, rng);
  const auto max_words = static_cast<size_t>(c.words_max);
  size_t words = word_count(item.title);
  std::vector<std::string> sentences;
  // Adds a sentence of `pool` not yet in the body (three tries); false, adding nothing, when
  // it would pass words_max.
  auto add = [&](const std::vector<std::string>& pool) {
    std::string sentence;
    for (int attempt = 0; attempt < 3; ++attempt) {
      sentence = render(pick(pool, rng), city, rng);
      if (std::find(sentences.begin(), sentences.end(), sentence) == sentences.end()) break;
    }
    const size_t n = word_count(sentence);
    if (words + n > max_words) return false;
    words += n;
    sentences.push_back(std::move(sentence));
    return true;
  };
  std::vector<size_t> others;
  for (size_t t = 0; t < c.topics.size(); ++t)
    if (!std::binary_search(kind.topics.begin(), kind.topics.end(), t)) others.push_back(t);
  // Brief items: the kind's own sentences and filler only, no topic pool.
  const bool brief = static_cast<int64_t>(rng.below(100)) < c.brief_share;
  // The lead: the kind's own sentence, or (half the time) one of its topics'.
  if (kind.topics.empty() || brief || rng.below(2) == 0)
    add(kind.sentences);
  else
    add(c.topics[kind.topics[rng.below(kind.topics.size())]].sentences);
  if (!brief)
    for (size_t t : kind.topics) add(c.topics[t].sentences);
  // A digression: 1–4 sentences of one topic outside the kind (background, a quote), half the
  // time from a topic that the primary one shares a story kind with (an economy story that
  // turns to politics reads like a sanctions story).
  if (!others.empty() && static_cast<int64_t>(rng.below(100)) < c.digression_share) {
    std::vector<size_t> near;
    if (!kind.topics.empty())
      for (size_t t : others)
        if (neighbours[kind.primary][t]) near.push_back(t);
    const size_t topic = !near.empty() && rng.below(2) == 0 ? near[rng.below(near.size())]
                                                            : others[rng.below(others.size())];
    for (uint64_t i = 0, count = 1 + rng.below(4); i < count; ++i) add(mentions[topic]);
  }
  while (words < target) {
    const auto roll = static_cast<int64_t>(rng.below(100));
    const std::vector<std::string>* pool = &kind.sentences;
    if (roll < c.filler_share) {
      pool = &c.filler;
    } else if (roll < c.filler_share + c.mention_share && !others.empty()) {
      pool = &mentions[others[rng.below(others.size())]];
    } else if (!brief && !kind.topics.empty() && rng.below(4) != 0) {
      // The primary topic (listed first) gets most (11/12) of the topic sentences.
      const size_t t = kind.topics.size() == 1 || rng.below(6) != 0
                           ? kind.primary
                           : kind.topics[rng.below(kind.topics.size())];
      pool = &c.topics[t].sentences;
    }
    if (!add(*pool)) break;
  }
  // The lead stays first; the rest in a seeded order.
  for (size_t i = sentences.size(); i > 2; --i)
    std::swap(sentences[i - 1], sentences[1 + rng.below(i - 1)]);
  for (size_t i = 0; i < sentences.size(); ++i) item.body += (i ? " " : "") + sentences[i];
  return item;
}

std::string json_string(const std::string& text) { return nlohmann::json(text).dump(); }

std::string json_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + json_string(values[i]);
  return out + "]";
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "|" : "") + values[i];
  return out;
}

std::string comma_list(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i];
  return out;
}

bool is_csv(const fs::path& file) {
  return letter_case::lower(file.extension().string()) == ".csv";
}

}  // namespace

size_t news_word_count(const NewsItem& item) {
  return word_count(item.title) + word_count(item.body);
}

std::vector<size_t> select_topics(const NewsCatalogue& catalogue,
                                  const std::vector<std::string>& names) {
  std::vector<std::string> known;
  for (const auto& topic : catalogue.topics) known.push_back(topic.name);
  std::vector<size_t> selected;
  if (names.empty()) {
    for (size_t t = 0; t < known.size(); ++t) selected.push_back(t);
    return selected;
  }
  for (const auto& name : names) {
    const size_t t = catalogue.find_topic(name);
    if (t == std::string::npos)
      throw InputError(
          "unknown topic '" + name + "'", "--topics",
          "the catalogue's topics are " + comma_list(known) + "; separate names with commas");
    if (std::find(selected.begin(), selected.end(), t) != selected.end())
      throw InputError("topic '" + name + "' is given twice", "--topics", "name each topic once");
    selected.push_back(t);
  }
  std::sort(selected.begin(), selected.end());
  return selected;
}

std::vector<NewsItem> generate_news(const NewsCatalogue& catalogue, size_t n, uint64_t seed) {
  SplitMix64 rng(seed);
  const Renderer render(catalogue);
  std::vector<NewsItem> items;
  items.reserve(n);
  const auto mentions = mention_pools(catalogue);
  const auto neighbours = topic_neighbours(catalogue);
  for (size_t i = 0; i < n; ++i)
    items.push_back(make_item(catalogue, render, mentions, neighbours, i, rng));
  return items;
}

std::vector<NewsOodItem> generate_news_ood(const NewsCatalogue& catalogue, size_t n,
                                           uint64_t seed) {
  if (catalogue.ood.empty())
    throw InputError("the news catalogue has no [[ood]] kinds", catalogue.file.string(),
                     "add [[ood]] tables with name and texts, or drop --ood-out");
  SplitMix64 rng(seed ^ kNewsOodSeedSalt);
  const Renderer render(catalogue);
  const std::vector<size_t> counts = stratified_counts(n, catalogue.ood.size());
  std::vector<size_t> order;
  for (size_t k = 0; k < counts.size(); ++k) order.insert(order.end(), counts[k], k);
  shuffle(order, rng);
  std::vector<NewsOodItem> rows;
  rows.reserve(n);
  for (size_t i = 0; i < order.size(); ++i) {
    const NewsOodKind& kind = catalogue.ood[order[i]];
    const std::string city = pick(catalogue.cities, rng);
    NewsOodItem row;
    row.id = "ood-" + padded(i + 1, 6);
    row.kind = kind.name;
    const size_t parts = 1 + rng.below(static_cast<uint64_t>(kind.max_parts));
    for (size_t p = 0; p < parts; ++p) {
      std::string part =
          synth::render(pick(kind.texts, rng),
                        synth::TemplateScope{render.category, render.noise, city, {}}, rng);
      row.text += (p ? " " : "") + part;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void write_news(const fs::path& file, const std::vector<NewsItem>& items,
                const NewsCatalogue& catalogue, const std::vector<size_t>& selected) {
  std::vector<std::string> header = {"id", "source", "date", "title", "body", "labels"};
  for (size_t t : selected) header.push_back(catalogue.topics[t].name);
  header.push_back("all_labels");
  const bool csv = is_csv(file);
  std::vector<std::vector<std::string>> rows;
  std::string text;
  for (const auto& item : items) {
    std::vector<std::string> labels, all;
    for (size_t t : item.topics) {
      all.push_back(catalogue.topics[t].name);
      if (std::binary_search(selected.begin(), selected.end(), t))
        labels.push_back(catalogue.topics[t].name);
    }
    std::vector<std::string> flags;
    for (size_t t : selected)
      flags.push_back(std::binary_search(item.topics.begin(), item.topics.end(), t) ? "1" : "0");
    if (csv) {
      rows.push_back({item.id, item.source, item.date, item.title, item.body, joined(labels)});
      rows.back().insert(rows.back().end(), flags.begin(), flags.end());
      rows.back().push_back(joined(all));
      continue;
    }
    text += "{\"id\":" + json_string(item.id) + ",\"source\":" + json_string(item.source) +
            ",\"date\":" + json_string(item.date) + ",\"title\":" + json_string(item.title) +
            ",\"body\":" + json_string(item.body) + ",\"labels\":" + json_list(labels);
    for (size_t i = 0; i < selected.size(); ++i)
      text += "," + json_string(catalogue.topics[selected[i]].name) + ":" + flags[i];
    text += ",\"all_labels\":" + json_list(all) + "}\n";
  }
  if (csv)
    write_csv(file, header, rows);
  else
    write_file_atomically(file, text);
}

void write_news_ood(const fs::path& file, const std::vector<NewsOodItem>& rows) {
  if (is_csv(file)) {
    std::vector<std::vector<std::string>> table;
    for (const auto& row : rows) table.push_back({row.id, row.kind, row.text});
    write_csv(file, {"id", "ood_kind", "text"}, table);
    return;
  }
  std::string text;
  for (const auto& row : rows)
    text += "{\"id\":" + json_string(row.id) + ",\"ood_kind\":" + json_string(row.kind) +
            ",\"text\":" + json_string(row.text) + "}\n";
  write_file_atomically(file, text);
}

NewsSynthSummary synthesize_news(const NewsSynthRequest& request) {
  if (request.catalogue.empty())
    throw InputError("no news catalogue given", "data synth --kind news",
                     "pass --catalogue configs/categories/news_ru.toml");
  if (!fs::exists(request.catalogue))
    throw InputError("news catalogue " + request.catalogue.string() + " does not exist",
                     "data synth --kind news", "pass --catalogue configs/categories/news_ru.toml");
  if (request.out.empty())
    throw InputError("no output file given", "data synth --kind news",
                     "pass --out FILE.jsonl or FILE.csv");
  if (request.n <= 0)
    throw InputError("--n must be at least 1 (got " + std::to_string(request.n) + ")",
                     "data synth --kind news", "pass --n 10000");
  if (!request.ood_out.empty() && request.ood_n <= 0)
    throw InputError("--ood-n must be at least 1 (got " + std::to_string(request.ood_n) + ")",
                     "data synth --kind news", "pass --ood-n 1000, or drop --ood-out");
  const auto start = std::chrono::steady_clock::now();
  const NewsCatalogue catalogue = NewsCatalogue::load(request.catalogue);
  const std::vector<size_t> selected = select_topics(catalogue, request.topics);
  const std::vector<NewsItem> items =
      generate_news(catalogue, static_cast<size_t>(request.n), request.seed);
  write_news(request.out, items, catalogue, selected);
  NewsSynthSummary summary;
  summary.items = items.size();
  summary.per_topic.assign(selected.size(), 0);
  for (size_t t : selected) summary.topics.push_back(catalogue.topics[t].name);
  for (const auto& item : items) {
    if (item.topics.empty()) ++summary.no_topic;
    for (size_t i = 0; i < selected.size(); ++i)
      if (std::binary_search(item.topics.begin(), item.topics.end(), selected[i]))
        ++summary.per_topic[i];
  }
  if (!request.ood_out.empty()) {
    write_news_ood(request.ood_out,
                   generate_news_ood(catalogue, static_cast<size_t>(request.ood_n), request.seed));
    summary.ood = static_cast<size_t>(request.ood_n);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_info("data/synth",
           "wrote " + std::to_string(summary.items) + " news items to " + request.out.string());
  return summary;
}

}  // namespace rubrika
