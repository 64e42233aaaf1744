// What `predict --input` and `eval --data` share: the run's [data] options (column names,
// joiner, empty-text rule), the command-line overrides of its columns and of the file
// format, and the normaliser callback that decides which texts are empty.
#pragma once

#include <rubrika/data/dataset.hpp>

#include <boost/program_options.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {
class Pipeline;
}

namespace rubrika::cli {

// The run's saved recipe.toml [data]. `needs_data_files`: the caller re-reads the run's own
// data files (the test split), so they must be named by absolute paths; otherwise only the
// column options are used, and a run without recipe.toml or [data] gives the defaults.
DatasetOptions run_data_options(const std::filesystem::path& run_dir, bool needs_data_files);

// --text-field NAME (repeatable), --label-field NAME, --format auto|csv|tsv|jsonl|text.
struct InputFileOptions {
  std::vector<std::string> text_fields;  // empty: the run's [data] text_fields
  std::string label_field;               // empty: the run's [data] label_field
  std::string format = "auto";

  void add_to(boost::program_options::options_description& options, bool with_labels);
  // `options` with the overrides applied.
  DatasetOptions applied_to(DatasetOptions options) const;
  // The parsed --format; throws UsageError for an unknown one.
  TextFileFormat file_format() const;
};

// The id of label `name` of an input file's row at `origin` ("file:line"); an InputError
// there when the run was not trained on it.
int64_t run_label_id(const LabelSet& labels, const std::string& name, const std::string& origin);

// The run's normaliser decides which rows are empty (as in training), but the texts stay
// raw: Pipeline::predict normalises them itself.
TextNormalizer raw_if_not_empty(Pipeline& pipeline);

}  // namespace rubrika::cli
