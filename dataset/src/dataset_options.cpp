#include <cmath>
#include <limits>
#include <rubrika/data/dataset_options.hpp>
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>

namespace rubrika {
namespace {

constexpr int64_t kMaxSeed = std::numeric_limits<int64_t>::max();

SynthDataOptions read_synth(const toml::table& table, uint64_t data_seed) {
  OptionsReader in(table, "data.synth", false);
  SynthDataOptions o;
  o.categories = in.get_path("categories", {});
  if (o.categories.empty())
    in.fail("categories", "is required", "e.g. categories = \"../configs/categories/ads_ru.toml\"");
  o.n = in.get_int("n", o.n, 1, 100000000);
  o.seed = static_cast<uint64_t>(in.get_int("seed", static_cast<int64_t>(data_seed), 0, kMaxSeed));
  o.ood_n = in.get_int("ood_n", o.ood_n, 0, 100000000);
  o.ood_categories = in.get_path("ood_categories", {});
  if (o.ood_n > 0 && o.ood_categories.empty())
    in.fail("ood_categories", "is required when ood_n > 0",
            "e.g. ood_categories = \"../configs/categories/ood_ru.toml\"");
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
              "add ood = \"data/ads_ood.csv\"");
    if (o.descriptions.empty()) o.descriptions = o.synth->categories;
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
