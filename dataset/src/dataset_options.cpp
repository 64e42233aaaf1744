#include <cmath>
#include <limits>
#include <rubrika/data/dataset_options.hpp>
#include <rubrika/data/news_synth.hpp>
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <set>

namespace rubrika {
namespace {

constexpr int64_t kMaxSeed = std::numeric_limits<int64_t>::max();

// The news catalogue's topic names, joined for a message.
std::string topic_list(const NewsCatalogue& catalogue) {
  std::string out;
  for (const auto& topic : catalogue.topics) out += (out.empty() ? "" : ", ") + topic.name;
  return out;
}

// Checks `topics` against the news catalogue now, so that a misspelt topic is reported at
// its file:line:col before any training. A catalogue that is not there yet is reported when
// the files are generated.
void check_topics(OptionsReader& in, const SynthDataOptions& o) {
  if (o.topics.empty() || !std::filesystem::exists(o.categories)) return;
  NewsCatalogue catalogue;
  try {
    catalogue = NewsCatalogue::load(o.categories);
  } catch (...) {
    rethrow_with_context("[data.synth] categories");
  }
  std::set<std::string> seen;
  for (const auto& name : o.topics) {
    if (catalogue.find_topic(name) == std::string::npos)
      in.fail("topics", "unknown topic '" + name + "' in " + o.categories.filename().string(),
              "its topics are " + topic_list(catalogue));
    if (!seen.insert(name).second)
      in.fail("topics", "topic '" + name + "' is given twice", "name each topic once");
  }
}

// A key of the other generator: an error at its file:line:col rather than silently unused.
void reject_key(OptionsReader& in, const char* key, SynthKind kind, const std::string& why) {
  if (in.has(key))
    in.fail(key,
            std::string("is not used with kind = \"") + enum_name(kSynthKindNames, kind) + "\"",
            why);
}

SynthDataOptions read_synth(const toml::table& table, uint64_t data_seed) {
  OptionsReader in(table, "data.synth", false);
  SynthDataOptions o;
  o.kind = in.get_enum("kind", o.kind, kSynthKindNames);
  const bool news = o.kind == SynthKind::news;
  o.categories = in.get_path("categories", {});
  if (o.categories.empty())
    in.fail("categories", "is required",
            news ? "e.g. categories = \"../configs/categories/news_ru.toml\""
                 : "e.g. categories = \"../configs/categories/ads_ru.toml\"");
  o.n = in.get_int("n", o.n, 1, 100000000);
  o.seed = static_cast<uint64_t>(in.get_int("seed", static_cast<int64_t>(data_seed), 0, kMaxSeed));
  o.ood_n = in.get_int("ood_n", o.ood_n, 0, 100000000);
  if (news) {
    reject_key(in, "ood_categories", o.kind,
               "news OOD rows come from the news catalogue's own [[ood]] kinds; drop it");
    o.topics = in.get_strings("topics", o.topics);
    if (in.has("topics") && o.topics.empty())
      in.fail("topics", "names no topic", "drop it to label every topic of the catalogue");
    check_topics(in, o);
  } else {
    reject_key(in, "topics", o.kind, "topics select news labels; set kind = \"news\"");
    o.ood_categories = in.get_path("ood_categories", {});
    if (o.ood_n > 0 && o.ood_categories.empty())
      in.fail("ood_categories", "is required when ood_n > 0",
              "e.g. ood_categories = \"../configs/categories/ood_ru.toml\"");
  }
  in.finish();
  return o;
}

std::array<double, 3> read_split(OptionsReader& in, const std::array<double, 3>& fallback) {
  const std::vector<double> values =
      in.get_doubles("split", {fallback[0], fallback[1], fallback[2]});
  if (values.size() != 3)
    in.fail("split", "needs three fractions: train, validation, test",
            "e.g. split = [0.72, 0.08, 0.20]");
  double sum = 0;
  for (double v : values) {
    if (!(v >= 0 && v <= 1)) in.fail("split", "fractions must lie in [0, 1]");
    sum += v;
  }
  if (std::abs(sum - 1.0) > 1e-6)
    in.fail("split", "fractions must sum to 1", "e.g. [0.72, 0.08, 0.20]");
  if (values[0] <= 0) in.fail("split", "the train fraction must be above 0");
  return {values[0], values[1], values[2]};
}

}  // namespace

DatasetOptions DatasetOptions::from_toml(const toml::table& table, uint64_t run_seed) {
  OptionsReader in(table, "data", false);
  DatasetOptions o;
  o.train = in.get_path("train", {});
  if (o.train.empty()) in.fail("train", "is required", "add train = \"data/ads.csv\"");
  o.validation = in.get_path("validation", {});
  o.test = in.get_path("test", {});
  o.ood = in.get_path("ood", {});
  o.descriptions = in.get_path("descriptions", {});
  o.description_field = in.get_string("description_field", o.description_field);
  if (!o.descriptions.empty() && !o.description_field.empty())
    in.fail("description_field", "and `descriptions` both give label descriptions",
            "keep one: a catalogue file or a column of the training file");
  o.format = in.get_enum("format", o.format, kDataFormatNames);
  o.text_fields = in.get_strings("text_fields", o.text_fields);
  if (o.text_fields.empty()) in.fail("text_fields", "needs at least one field");
  o.joiner = in.get_string("joiner", o.joiner);
  o.label_field = in.get_string("label_field", o.label_field);
  o.multi_label = in.get_bool("multi_label", o.multi_label);
  o.label_columns = in.get_strings("label_columns", o.label_columns);
  if (!o.label_columns.empty() && !o.multi_label)
    in.fail("label_columns", "is for multi-label data", "set multi_label = true");
  o.label_separator = in.get_string("label_separator", o.label_separator);
  if (o.label_separator.empty()) in.fail("label_separator", "must not be empty");
  o.split = read_split(in, o.split);
  o.seed = static_cast<uint64_t>(in.get_int("seed", static_cast<int64_t>(run_seed), 0, kMaxSeed));
  o.empty_text = in.get_enum("empty_text", o.empty_text, kEmptyTextNames);
  o.max_rows = in.get_int("max_rows", o.max_rows, 0, std::numeric_limits<int64_t>::max());
  if (const toml::table* synth = in.get_table("synth")) {
    o.synth = read_synth(*synth, o.seed);
    if (o.synth->ood_n > 0 && o.ood.empty())
      in.fail("ood", "is required when [data.synth] ood_n > 0 (the file to write)",
              o.synth->kind == SynthKind::news ? "add ood = \"data/news_ood.jsonl\""
                                               : "add ood = \"data/ads_ood.csv\"");
    // An ads catalogue describes its categories; a news catalogue has no descriptions.
    if (o.descriptions.empty() && o.synth->kind == SynthKind::ads)
      o.descriptions = o.synth->categories;
  }
  in.finish();
  return o;
}

DataFormat DatasetOptions::format_of(const std::filesystem::path& file) const {
  if (format != DataFormat::auto_detect) return format;
  const std::string ext = file.extension().string();
  if (ext == ".csv") return DataFormat::csv;
  if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return DataFormat::jsonl;
  throw InputError(
      "cannot tell the format of '" + file.filename().string() + "' from its extension",
      file.string(), "name it .csv or .jsonl, or set [data] format = \"csv\" | \"jsonl\"");
}

}  // namespace rubrika
