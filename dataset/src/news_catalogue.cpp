// NewsCatalogue::load: the news catalogue (configs/categories/news_ru.toml), validated strictly
// so a typo in a template or a topic name fails at load time with file:line:col.
#include <algorithm>
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/data/news_synth.hpp>
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <set>

#include "synth_template.hpp"
#include "toml_file.hpp"

namespace rubrika {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSyntaxHint =
    "see the template syntax at the top of configs/categories/news_ru.toml";

std::vector<std::string> required_list(OptionsReader& in, const std::string& key) {
  std::vector<std::string> values = in.get_strings(key, {});
  if (values.empty()) in.fail(key, "needs at least one entry", "add " + key + " = [\"...\"]");
  return values;
}

void check_templates(const toml::table& table, const std::string& key,
                     const std::vector<std::string>& entries, const SynthNoise& noise, bool in_list,
                     const std::string& section) {
  const SynthCategory none;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string problem = synth::template_problem(entries[i], none, noise, in_list);
    if (!problem.empty())
      throw RecipeError("[" + section + "] " + key + "[" + std::to_string(i + 1) + "] \"" +
                            entries[i] + "\": " + problem,
                        element_location(table, key, i), kSyntaxHint);
  }
}

// [first, last] from a two-element integer array `key`.
void read_range(OptionsReader& in, const std::string& key, int64_t& lo, int64_t& hi, int64_t min,
                int64_t max) {
  if (!in.has(key)) return;
  const std::vector<double> values = in.get_doubles(key, {});
  if (values.size() != 2 || values[0] > values[1] || values[0] < static_cast<double>(min) ||
      values[1] > static_cast<double>(max) ||
      values[0] != static_cast<double>(static_cast<int64_t>(values[0])) ||
      values[1] != static_cast<double>(static_cast<int64_t>(values[1])))
    in.fail(key, "must be [first, last], whole numbers in " + std::to_string(min) + ".." +
                     std::to_string(max) + " with first <= last");
  lo = static_cast<int64_t>(values[0]);
  hi = static_cast<int64_t>(values[1]);
}

const toml::array* tables(const toml::table& root, const char* key, bool required) {
  const toml::node* node = root.get(key);
  const toml::array* nodes = node ? node->as_array() : nullptr;
  if (node != nullptr && (nodes == nullptr || !nodes->is_array_of_tables()))
    throw RecipeError(std::string("'") + key + "' must be an array of tables [[" + key + "]]",
                      source_location(node->source()), "write [[" + std::string(key) + "]]");
  if (required && (nodes == nullptr || nodes->empty()))
    throw RecipeError(std::string("the catalogue has no [[") + key + "]] tables",
                      source_location(root.source()), "add [[" + std::string(key) + "]] entries");
  return nodes;
}

NewsTopic read_topic(const toml::table& table, size_t index, const NewsCatalogue& c,
                     const SynthNoise& noise) {
  const std::string section = "topic " + std::to_string(index + 1);
  OptionsReader in(table, section, false);
  NewsTopic topic;
  topic.name = in.require_string("name");
  if (c.find_topic(topic.name) == std::string::npos)
    in.fail("name", "'" + topic.name + "' is not listed in the catalogue's topics",
            "add it to topics = [...] or fix the spelling");
  topic.titles = required_list(in, "titles");
  topic.sentences = required_list(in, "sentences");
  in.finish();
  check_templates(table, "titles", topic.titles, noise, false, section);
  check_templates(table, "sentences", topic.sentences, noise, false, section);
  return topic;
}

NewsKind read_kind(const toml::table& table, size_t index, const NewsCatalogue& c,
                   const SynthNoise& noise) {
  const std::string section = "kind " + std::to_string(index + 1);
  OptionsReader in(table, section, false);
  NewsKind kind;
  kind.name = in.require_string("name");
  if (!in.has("topics"))
    in.fail("topics", "is required (an empty list for news without a topic)", "topics = []");
  for (const auto& name : in.get_strings("topics", {})) {
    const size_t t = c.find_topic(name);
    if (t == std::string::npos) in.fail("topics", "names an unknown topic '" + name + "'");
    if (kind.topics.empty()) kind.primary = t;
    kind.topics.push_back(t);
  }
  std::sort(kind.topics.begin(), kind.topics.end());
  if (std::adjacent_find(kind.topics.begin(), kind.topics.end()) != kind.topics.end())
    in.fail("topics", "names a topic twice");
  kind.weight = in.get_int("weight", kind.weight, 1, 1000000);
  kind.titles = in.get_strings("titles", {});
  kind.sentences = required_list(in, "sentences");
  in.finish();
  if (kind.titles.empty() && kind.topics.empty())
    in.fail("titles", "is required for a kind without topics", "add titles = [\"...\"]");
  check_templates(table, "titles", kind.titles, noise, false, section + " (" + kind.name + ")");
  check_templates(table, "sentences", kind.sentences, noise, false,
                  section + " (" + kind.name + ")");
  return kind;
}

NewsOodKind read_ood(const toml::table& table, size_t index, const SynthNoise& noise) {
  const std::string section = "ood " + std::to_string(index + 1);
  OptionsReader in(table, section, false);
  NewsOodKind kind;
  kind.name = in.require_string("name");
  kind.texts = required_list(in, "texts");
  kind.max_parts = in.get_int("max_parts", kind.max_parts, 1, 20);
  in.finish();
  check_templates(table, "texts", kind.texts, noise, false, section);
  return kind;
}

}  // namespace

size_t NewsCatalogue::find_topic(const std::string& name) const {
  for (size_t i = 0; i < topics.size(); ++i)
    if (topics[i].name == name) return i;
  return std::string::npos;
}

NewsCatalogue NewsCatalogue::load(const fs::path& file) {
  const toml::table root = parse_toml_file(file, "news catalogue");
  NewsCatalogue c;
  c.file = file;
  OptionsReader in(root, "catalogue", false);
  check_catalogue_version(in);
  const std::vector<std::string> names = required_list(in, "topics");
  read_range(in, "years", c.year_min, c.year_max, 1900, 2999);
  read_range(in, "words", c.words_min, c.words_max, 1, 100000);
  c.filler_share = in.get_int("filler_share", c.filler_share, 0, 100);
  c.mention_share = in.get_int("mention_share", c.mention_share, 0, 100);
  c.digression_share = in.get_int("digression_share", c.digression_share, 0, 100);
  c.brief_share = in.get_int("brief_share", c.brief_share, 0, 100);
  if (c.filler_share + c.mention_share > 90)
    in.fail("mention_share", "filler_share + mention_share must be at most 90",
            "leave room for the kind's own sentences");
  c.cities = required_list(in, "cities");
  c.sources = required_list(in, "sources");
  c.filler = required_list(in, "filler");
  SynthNoise noise;
  if (const toml::table* lists = in.get_table("lists")) {
    OptionsReader list_in(*lists, "lists", false);
    for (const auto& [key, node] : *lists) {
      const std::string name(key.str());
      if (name == "city" || name == "price" || name == "item" || name == "brand" ||
          name == "model" || name == "attr")
        list_in.fail(name, "is a built-in placeholder name", "rename the list");
      noise.lists[name] = required_list(list_in, name);
    }
    list_in.finish();
  }
  in.allow("topic");
  in.allow("kind");
  in.allow("ood");
  in.finish();
  {
    // List entries may use {x|y}, {int:A-B} and {city} only: no lists, so no recursion.
    const SynthNoise bare;
    for (const auto& [name, entries] : noise.lists)
      check_templates(*root["lists"].as_table(), name, entries, bare, true, "lists");
  }
  c.lists = noise.lists;
  check_templates(root, "filler", c.filler, noise, false, "catalogue");
  std::set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty() || !seen.insert(names[i]).second)
      throw RecipeError(
          "topics[" + std::to_string(i + 1) + "] '" + names[i] + "' is empty or repeated",
          element_location(root, "topics", i), "topic names must be unique");
    NewsTopic topic;
    topic.name = names[i];
    c.topics.push_back(topic);
  }
  const toml::array* topic_nodes = tables(root, "topic", true);
  std::vector<bool> defined(names.size(), false);
  for (size_t i = 0; i < topic_nodes->size(); ++i) {
    NewsTopic topic = read_topic(*(*topic_nodes)[i].as_table(), i, c, noise);
    const size_t t = c.find_topic(topic.name);
    if (defined[t])
      throw RecipeError("[[topic]] '" + topic.name + "' is defined twice",
                        source_location((*topic_nodes)[i].source()), "merge the two tables");
    defined[t] = true;
    c.topics[t] = std::move(topic);
  }
  for (size_t t = 0; t < names.size(); ++t)
    if (!defined[t])
      throw RecipeError("topic '" + names[t] + "' has no [[topic]] table",
                        element_location(root, "topics", t),
                        "add [[topic]] with name, titles and sentences");
  const toml::array* kind_nodes = tables(root, "kind", true);
  for (size_t i = 0; i < kind_nodes->size(); ++i)
    c.kinds.push_back(read_kind(*(*kind_nodes)[i].as_table(), i, c, noise));
  if (const toml::array* ood_nodes = tables(root, "ood", false))
    for (size_t i = 0; i < ood_nodes->size(); ++i)
      c.ood.push_back(read_ood(*(*ood_nodes)[i].as_table(), i, noise));
  return c;
}

}  // namespace rubrika
