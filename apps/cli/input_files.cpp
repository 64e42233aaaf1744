#include "input_files.hpp"

#include "cli_common.hpp"

#include <rubrika/error.hpp>
#include <rubrika/pipeline.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/run_layout.hpp>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {

DatasetOptions run_data_options(const fs::path& run_dir, bool needs_data_files) {
  const fs::path saved = RunLayout(run_dir).recipe();
  if (!fs::is_regular_file(saved)) {
    if (!needs_data_files) return DatasetOptions{};
    throw ArtifactError("the run folder has no recipe.toml", run_dir.string(),
                        "re-run rubrika train, or pass --data FILE");
  }
  const Recipe recipe = Recipe::load(saved);
  const toml::table* data = recipe.section("data");
  if (data == nullptr) {
    if (!needs_data_files) return DatasetOptions{};
    throw ArtifactError("the run's recipe.toml has no [data] section", saved.string());
  }
  // Runs trained before data paths were saved absolute would resolve them against the run
  // folder, i.e. to the wrong files.
  const auto train = data->get_as<std::string>("train");
  if (needs_data_files && (train == nullptr || fs::path(train->get()).is_relative()))
    throw ArtifactError("the run's recipe.toml names its data with a relative path (an older run)",
                        saved.string(), "pass --data FILE, or re-run rubrika train");
  DatasetOptions options = DatasetOptions::from_toml(*data, recipe.run().seed);
  options.synth.reset();  // evaluation reads data; it never generates files
  return options;
}

void InputFileOptions::add_to(po::options_description& options, bool with_labels) {
  options.add_options()(
      "text-field", po::value(&text_fields)->composing(),
      "CSV/JSONL field holding text; repeat to join several (default: the run's [data] "
      "text_fields, else a 'text' field)")(
      "format", po::value(&format)->default_value("auto"),
      "auto (by extension: .csv, .tsv, .jsonl/.ndjson/.json, else one text a line) | csv | "
      "tsv | jsonl | text");
  if (with_labels)
    options.add_options()("label-field", po::value(&label_field),
                          "CSV/JSONL field holding the label (default: the run's [data] "
                          "label_field)");
}

DatasetOptions InputFileOptions::applied_to(DatasetOptions options) const {
  if (!text_fields.empty()) options.text_fields = text_fields;
  if (!label_field.empty()) options.label_field = label_field;
  return options;
}

TextFileFormat InputFileOptions::file_format() const {
  if (auto parsed = enum_value(kTextFileFormatNames, format)) return *parsed;
  throw UsageError("--format must be auto, csv, tsv, jsonl or text, not '" + format + "'");
}

TextNormalizer raw_if_not_empty(Pipeline& pipeline) {
  return [&pipeline](std::string_view text) {
    const std::string normalized = pipeline.normalize(text);
    return normalized.find_first_not_of(" \t\r\n") == std::string::npos ? std::string()
                                                                        : std::string(text);
  };
}

int64_t run_label_id(const LabelSet& labels, const std::string& name, const std::string& origin) {
  if (!labels.contains(name))
    throw InputError("unknown label '" + name + "': the run was not trained on it", origin,
                     "the run knows " + std::to_string(labels.size()) +
                         " labels; fix the label or leave the row out");
  return labels.id(name);
}

}  // namespace rubrika::cli
