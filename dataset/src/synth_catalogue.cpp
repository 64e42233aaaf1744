// SynthCatalogue::load: the category catalogue and its noise file, validated strictly so a
// typo in a template fails at load time with file:line:col instead of producing odd ads.
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <set>

#include "synth_template.hpp"
#include "toml_file.hpp"

namespace rubrika {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> required_list(OptionsReader& in, const std::string& key) {
  std::vector<std::string> values = in.get_strings(key, {});
  if (values.empty()) in.fail(key, "needs at least one entry", "add " + key + " = [\"...\"]");
  return values;
}

// Checks every entry of `key` as a template; `in_list`: entries of a lexicon list.
void check_templates(const toml::table& table, const std::string& key,
                     const std::vector<std::string>& entries, const SynthCategory& category,
                     const SynthNoise& noise, bool in_list, const std::string& section) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string problem = synth::template_problem(entries[i], category, noise, in_list);
    if (!problem.empty())
      throw RecipeError("[" + section + "] " + key + "[" + std::to_string(i + 1) + "] \"" +
                            entries[i] + "\": " + problem,
                        element_location(table, key, i),
                        "see the template syntax at the top of configs/categories/ads_ru.toml");
  }
}

void read_rates(const toml::table& table, SynthNoise& noise) {
  OptionsReader in(table, "rates", false);
  noise.typo = in.get_double("typo", 0, 0, 1);
  noise.title_typo = in.get_double("title_typo", 0, 0, 1);
  noise.caps = in.get_double("caps", 0, 0, 1);
  noise.caps_title = in.get_double("caps_title", 0, 0, 1);
  noise.emoji = in.get_double("emoji", 0, 0, 1);
  noise.phone = in.get_double("phone", 0, 0, 1);
  noise.extra = in.get_double("extra", 0, 0, 1);
  noise.price_in_text = in.get_double("price_in_text", 0, 0, 1);
  noise.borrow = in.get_double("borrow", 0, 0, 1);
  noise.title_swap = in.get_double("title_swap", 0, 0, 1);
  noise.lowercase = in.get_double("lowercase", 0, 0, 1);
  in.finish();
}

void read_lists(const toml::table& table, SynthNoise& noise) {
  static const std::set<std::string> reserved = {"item", "brand", "model", "attr", "city", "price"};
  OptionsReader in(table, "lists", false);
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (reserved.count(name)) in.fail(name, "is a built-in placeholder name", "rename the list");
    noise.lists[name] = required_list(in, name);
  }
  in.finish();
}

SynthNoise load_noise(const fs::path& file) {
  const toml::table root = parse_toml_file(file, "noise file");
  SynthNoise noise;
  OptionsReader in(root, "noise", false);
  if (const toml::table* rates = in.get_table("rates")) read_rates(*rates, noise);
  if (const toml::table* lists = in.get_table("lists")) read_lists(*lists, noise);
  noise.cities = required_list(in, "cities");
  noise.phone_formats = required_list(in, "phone_formats");
  noise.phone_lead = required_list(in, "phone_lead");
  noise.emoji_list = required_list(in, "emoji");
  noise.caps_words = required_list(in, "caps_words");
  noise.extras = required_list(in, "extras");
  noise.price_formats = required_list(in, "price_formats");
  in.finish();
  // Shared entries may use {int:A-B}, {x|y} and {city} only: no lists, so no recursion.
  const SynthNoise bare;
  const SynthCategory none;
  for (const auto& [name, entries] : noise.lists)
    check_templates(*root["lists"].as_table(), name, entries, none, bare, true, "lists");
  check_templates(root, "extras", noise.extras, none, bare, true, "noise");
  for (size_t i = 0; i < noise.price_formats.size(); ++i)
    if (noise.price_formats[i].find("{price}") == std::string::npos)
      throw RecipeError("price_formats entry \"" + noise.price_formats[i] + "\" has no {price}",
                        element_location(root, "price_formats", i),
                        "add {price} where the number goes");
  return noise;
}

SynthCategory read_category(const toml::table& table, size_t index, const SynthNoise& noise) {
  const std::string section = "category " + std::to_string(index + 1);
  OptionsReader in(table, section, false);
  SynthCategory c;
  c.name = in.require_string("name");
  c.description = in.require_string("description");
  if (c.name.empty()) in.fail("name", "must not be empty");
  c.items = required_list(in, "items");
  c.brands = in.get_strings("brands", {});
  c.models = in.get_strings("models", {});
  c.attributes = required_list(in, "attributes");
  c.titles = required_list(in, "titles");
  c.phrases = required_list(in, "phrases");
  c.confusable_with = in.get_strings("confusable_with", {});
  if (in.has("price")) {
    const std::vector<double> price = in.get_doubles("price", {});
    if (price.size() != 2 || price[0] < 0 || price[0] > price[1] || price[1] > 1e12 ||
        price[0] != static_cast<double>(static_cast<int64_t>(price[0])) ||
        price[1] != static_cast<double>(static_cast<int64_t>(price[1])))
      in.fail("price", "must be [min, max] whole rubles with 0 <= min <= max",
              "e.g. price = [500, 25000]");
    c.has_price = true;
    c.price_min = static_cast<int64_t>(price[0]);
    c.price_max = static_cast<int64_t>(price[1]);
  }
  in.finish();
  if (c.phrases.size() < 3)
    in.fail("phrases", "needs at least 3 sentences (a description uses 1 to 3)");
  const std::string named = section + " (" + c.name + ")";
  for (const char* key : {"items", "brands", "models", "attributes"}) {
    const auto& entries = key == std::string("items")    ? c.items
                          : key == std::string("brands") ? c.brands
                          : key == std::string("models") ? c.models
                                                         : c.attributes;
    check_templates(table, key, entries, c, noise, true, named);
  }
  check_templates(table, "titles", c.titles, c, noise, false, named);
  check_templates(table, "phrases", c.phrases, c, noise, false, named);
  return c;
}

void check_names(const std::vector<SynthCategory>& categories, const toml::array& nodes) {
  std::set<std::string> names;
  for (size_t i = 0; i < categories.size(); ++i)
    if (!names.insert(categories[i].name).second)
      throw RecipeError("duplicate category name '" + categories[i].name + "'",
                        source_location(nodes[i].source()), "category names must be unique");
  for (size_t i = 0; i < categories.size(); ++i)
    for (const auto& other : categories[i].confusable_with)
      if (!names.count(other) || other == categories[i].name)
        throw RecipeError("[category " + std::to_string(i + 1) + "] confusable_with names '" +
                              other + "', which is not another category of this catalogue",
                          source_location(nodes[i].source()), "use an exact category name");
}

}  // namespace

SynthCatalogue SynthCatalogue::load(const fs::path& file) {
  const toml::table root = parse_toml_file(file, "category catalogue");
  SynthCatalogue catalogue;
  catalogue.file = file;
  OptionsReader in(root, "catalogue", false);
  check_catalogue_version(in);
  const fs::path noise_file = in.get_path("noise", {});
  if (noise_file.empty())
    in.fail("noise", "is required: the noise file with cities, phones and typos rates",
            "add noise = \"../synth/noise_ru.toml\"");
  in.allow("category");
  in.finish();
  try {
    catalogue.noise = load_noise(noise_file);
  } catch (...) {
    rethrow_with_context("noise file of " + file.string());
  }
  const toml::array* nodes = root["category"].as_array();
  if (nodes == nullptr || nodes->empty() || !nodes->is_array_of_tables())
    throw RecipeError("the catalogue has no [[category]] tables", source_location(root.source()),
                      "add [[category]] entries with name, description, items, ...");
  for (size_t i = 0; i < nodes->size(); ++i)
    catalogue.categories.push_back(read_category(*(*nodes)[i].as_table(), i, catalogue.noise));
  check_names(catalogue.categories, *nodes);
  return catalogue;
}

const SynthCategory* SynthCatalogue::find(const std::string& name) const {
  for (const auto& c : categories)
    if (c.name == name) return &c;
  return nullptr;
}

std::map<std::string, std::string> read_category_descriptions(const fs::path& file) {
  const toml::table root = parse_toml_file(file, "category catalogue");
  std::map<std::string, std::string> out;
  const toml::array* nodes = root["category"].as_array();
  if (nodes == nullptr || !nodes->is_array_of_tables())
    throw RecipeError("the catalogue has no [[category]] tables", source_location(root.source()),
                      "add [[category]] entries with name and description");
  for (const auto& node : *nodes) {
    const toml::table& table = *node.as_table();
    auto name = table["name"].value<std::string>();
    auto description = table["description"].value<std::string>();
    if (!name || !description)
      throw RecipeError("a [[category]] lacks a string name or description",
                        source_location(table.source()), "give every category both");
    out[*name] = *description;
  }
  return out;
}

}  // namespace rubrika
