// load_dataset: files → examples (text + label names) → split → label ids.
#include <algorithm>
#include <map>
#include <rubrika/data/ads_synth.hpp>
#include <rubrika/data/csv.hpp>
#include <rubrika/data/dataset.hpp>
#include <rubrika/data/jsonl.hpp>
#include <rubrika/data/news_synth.hpp>
#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/text/utf8.hpp>
#include <set>

#include "file_io.hpp"

namespace rubrika {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSource = "data";

// One usable row: its text and label names, and where it came from.
struct RawExample {
  std::string text;
  std::vector<std::string> labels;
  std::string origin;  // "file:line (row N)"
};

std::string trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

RecordTable read_table(const fs::path& file, const DatasetOptions& options) {
  RecordTable table =
      options.format_of(file) == DataFormat::csv ? read_csv(file) : read_jsonl(file);
  if (options.max_rows > 0 && table.rows.size() > static_cast<size_t>(options.max_rows))
    table.rows.resize(static_cast<size_t>(options.max_rows));
  return table;
}

const std::string& scalar(const RecordTable& table, const Record& row, size_t column,
                          const char* role) {
  const FieldValue& field = row.fields[column];
  if (field.is_list)
    throw InputError(std::string(role) + " column '" + table.columns[column] +
                         "' holds a list; expected a single value",
                     table.where(row),
                     std::string(role) == "label" ? "set [data] multi_label = true for label lists"
                                                  : "text fields must be strings");
  return field.text;
}

bool truthy(const std::string& value, const RecordTable& table, const Record& row, size_t column) {
  const std::string v = trim(value);
  if (v == "1" || v == "1.0" || v == "true") return true;
  if (v == "0" || v == "0.0" || v == "false" || v.empty()) return false;
  throw InputError("label column '" + table.columns[column] + "' must be 0 or 1, got '" + v + "'",
                   table.where(row), "write 1 for the labels a text has and 0 otherwise");
}

std::vector<std::string> split_labels(const std::string& text, const std::string& separator) {
  std::vector<std::string> labels;
  size_t begin = 0;
  while (true) {
    const size_t end = text.find(separator, begin);
    std::string label =
        trim(std::string_view(text).substr(begin, end == std::string::npos ? end : end - begin));
    if (!label.empty()) labels.push_back(label);
    if (end == std::string::npos) return labels;
    begin = end + separator.size();
  }
}

// Reads the label names of one row.
class LabelReader {
 public:
  LabelReader(const RecordTable& table, const DatasetOptions& options)
      : table_(table), options_(options) {
    if (!options.label_columns.empty()) {
      for (const auto& name : options.label_columns) columns_.push_back(table.require_column(name));
    } else {
      columns_.push_back(table.require_column(options.label_field));
    }
  }

  std::vector<std::string> read(const Record& row) const {
    if (!options_.label_columns.empty()) {
      std::vector<std::string> labels;
      for (size_t i = 0; i < columns_.size(); ++i)
        if (truthy(scalar(table_, row, columns_[i], "label"), table_, row, columns_[i]))
          labels.push_back(options_.label_columns[i]);
      return labels;
    }
    const FieldValue& field = row.fields[columns_[0]];
    if (options_.multi_label) {
      if (!field.is_list) return split_labels(field.text, options_.label_separator);
      std::vector<std::string> labels;
      for (const auto& item : field.list)
        if (!trim(item).empty()) labels.push_back(trim(item));
      return labels;
    }
    std::string label = trim(scalar(table_, row, columns_[0], "label"));
    if (label.empty())
      throw InputError("empty label in column '" + options_.label_field + "'", table_.where(row),
                       "give every row a label, or remove the row");
    return {label};
  }

 private:
  const RecordTable& table_;
  const DatasetOptions& options_;
  std::vector<size_t> columns_;
};

// The text of a row: non-empty text fields joined, then normalised. Empty → nullopt.
std::optional<std::string> row_text(const RecordTable& table, const Record& row,
                                    const std::vector<size_t>& columns,
                                    const DatasetOptions& options,
                                    const TextNormalizer& normalize) {
  std::string text;
  for (size_t column : columns) {
    const std::string part = trim(scalar(table, row, column, "text"));
    if (part.empty()) continue;
    if (!text.empty()) text += options.joiner;
    text += part;
  }
  if (normalize) text = normalize(text);
  if (!trim(text).empty()) return text;
  if (options.empty_text == EmptyText::error)
    throw InputError(
        "empty text after normalisation (fields: " +
            [&] {
              std::string names;
              for (size_t c : columns) names += (names.empty() ? "" : ", ") + table.columns[c];
              return names;
            }() +
            ")",
        table.where(row), "fix the row, or set [data] empty_text = \"skip\"");
  return std::nullopt;
}

std::vector<size_t> text_columns(const RecordTable& table, const DatasetOptions& options) {
  std::vector<size_t> columns;
  for (const auto& name : options.text_fields) columns.push_back(table.require_column(name));
  return columns;
}

// The text columns of a file given to predict/eval: the options' text_fields it has, else a
// "text" column.
std::vector<size_t> input_text_columns(const RecordTable& table, const DatasetOptions& options) {
  std::vector<size_t> columns;
  std::string missing;
  for (const auto& name : options.text_fields) {
    if (auto index = table.column(name))
      columns.push_back(*index);
    else
      missing += (missing.empty() ? "'" : ", '") + name + "'";
  }
  if (columns.empty()) {
    if (auto text = table.column("text")) return {*text};
    std::string known;
    for (const auto& c : table.columns) known += (known.empty() ? "'" : ", '") + c + "'";
    throw InputError("no text column: the file has none of " + missing + " (nor 'text')",
                     table.source,
                     "its columns are " + (known.empty() ? std::string("none") : known) +
                         "; name the text columns with [data] text_fields (or "
                         "--text-field NAME for predict / eval)");
  }
  if (!missing.empty())
    log_warn(kSource, table.source + ": no column " + missing + "; the text is made of the others");
  return columns;
}

// Every usable row of `file`; `labelled` = false for OOD texts (labels are not read).
std::vector<RawExample> read_examples(const fs::path& file, const DatasetOptions& options,
                                      const TextNormalizer& normalize, bool labelled,
                                      size_t& skipped) {
  const RecordTable table = read_table(file, options);
  // An OOD file is unlabelled input like a `predict --input` file, and read like one: the
  // text_fields it has, else its "text" column (the news generator's OOD rows).
  const std::vector<size_t> columns =
      labelled ? text_columns(table, options) : input_text_columns(table, options);
  std::optional<LabelReader> labels;
  if (labelled) labels.emplace(table, options);
  std::vector<RawExample> examples;
  examples.reserve(table.rows.size());
  size_t empty = 0;
  for (const Record& row : table.rows) {
    std::optional<std::string> text = row_text(table, row, columns, options, normalize);
    if (!text) {
      ++empty;
      continue;
    }
    RawExample example{std::move(*text), {}, table.source + ":" + std::to_string(row.line)};
    if (labels) example.labels = labels->read(row);
    examples.push_back(std::move(example));
  }
  if (empty > 0)
    log_warn(kSource, file.string() + ": skipped " + std::to_string(empty) +
                          " rows whose text is empty after normalisation");
  skipped += empty;
  return examples;
}

// A plain-text file as a one-column table ("text"): one record per non-blank line.
RecordTable read_plain_lines(const fs::path& file) {
  const std::string bytes = read_file_text(file, "input file");
  std::string_view text(bytes);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  RecordTable table;
  table.source = file.string();
  table.columns = {"text"};
  size_t line = 0;
  while (!text.empty()) {
    ++line;
    const size_t end = text.find('\n');
    std::string_view content = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (auto bad = utf8::first_invalid(content))
      throw InputError("invalid UTF-8 at byte " + std::to_string(*bad + 1) + " of the line",
                       table.source + ":" + std::to_string(line), "save the file as UTF-8");
    if (trim(content).empty()) continue;
    FieldValue field;
    field.present = true;
    field.text = std::string(content);
    table.rows.push_back(Record{table.rows.size() + 1, line, {std::move(field)}});
  }
  return table;
}

std::string stratum(const RawExample& example) {
  std::vector<std::string> labels = example.labels;
  std::sort(labels.begin(), labels.end());
  std::string key;
  for (const auto& label : labels) key += label + '\x1f';
  return key;
}

LabelSet label_set(const std::vector<RawExample>& train, bool multi_label) {
  std::set<std::string> names;
  for (const auto& example : train) names.insert(example.labels.begin(), example.labels.end());
  if (names.size() < 2)
    throw InputError("the training split has " + std::to_string(names.size()) +
                         " distinct label(s); a classifier needs at least 2",
                     multi_label ? "multi-label data" : "single-label data",
                     "check [data] label_field and the training file");
  return LabelSet(std::vector<std::string>(names.begin(), names.end()));
}

int64_t label_id(const LabelSet& labels, const std::string& name, const RawExample& example) {
  if (labels.contains(name)) return labels.id(name);
  throw InputError("unknown label '" + name + "': the training split has no example of it",
                   example.origin, "add examples of it to the training data, or fix the label");
}

DataSplit to_split(const std::vector<RawExample>& examples, const LabelSet& labels,
                   bool multi_label) {
  DataSplit split;
  split.texts.reserve(examples.size());
  for (const auto& example : examples) {
    if (multi_label) {
      std::vector<float> row(static_cast<size_t>(labels.size()), 0.0f);
      for (const auto& name : example.labels) row[label_id(labels, name, example)] = 1.0f;
      split.multi_hot.push_back(std::move(row));
    } else {
      split.labels.push_back(label_id(labels, example.labels.front(), example));
    }
    split.texts.push_back(example.text);
    split.origins.push_back(example.origin);
  }
  return split;
}

std::vector<RawExample> pick_rows(const std::vector<RawExample>& all,
                                  const std::vector<size_t>& rows) {
  std::vector<RawExample> out;
  out.reserve(rows.size());
  for (size_t i : rows) out.push_back(all[i]);
  return out;
}

// The news generator writes CSV for a .csv name and JSONL otherwise; the reader must agree.
void check_news_format(const DatasetOptions& options, const fs::path& file) {
  const bool csv_name = file.extension() == ".csv";
  if ((options.format_of(file) == DataFormat::csv) != csv_name)
    throw InputError("the news generator writes " + std::string(csv_name ? "CSV" : "JSONL") +
                         " to '" + file.filename().string() + "', but [data] format reads it as " +
                         (csv_name ? "JSONL" : "CSV"),
                     file.string(), "name the file .csv or .jsonl, or drop [data] format");
}

void generate_ads(const DatasetOptions& options) {
  const SynthDataOptions& synth = *options.synth;
  SynthRequest request;
  request.categories = synth.categories;
  request.n = static_cast<size_t>(synth.n);
  request.seed = synth.seed;
  request.out = options.train;
  request.ood_categories = synth.ood_categories;
  request.ood_n = static_cast<size_t>(synth.ood_n);
  request.ood_out = options.ood;
  log_info(kSource, "generating synthetic data ([data.synth]): " + options.train.string());
  synthesize(request);
}

// Writes only the missing news files; the writers are those of `rubrika data synth --kind news`.
void generate_news_files(const DatasetOptions& options, bool need_train, bool need_ood) {
  const SynthDataOptions& synth = *options.synth;
  const NewsCatalogue catalogue = NewsCatalogue::load(synth.categories);
  if (need_train) {
    check_news_format(options, options.train);
    const std::vector<size_t> selected = select_topics(catalogue, synth.topics);
    std::string names;
    for (size_t t : selected) names += (names.empty() ? "" : ", ") + catalogue.topics[t].name;
    log_info(kSource, "generating synthetic news ([data.synth]): " + options.train.string() + " (" +
                          std::to_string(synth.n) + " items; topics " + names + ")");
    write_news(options.train, generate_news(catalogue, static_cast<size_t>(synth.n), synth.seed),
               catalogue, selected);
  }
  if (need_ood) {
    check_news_format(options, options.ood);
    log_info(kSource, "generating synthetic non-news ([data.synth]): " + options.ood.string());
    write_news_ood(options.ood,
                   generate_news_ood(catalogue, static_cast<size_t>(synth.ood_n), synth.seed));
  }
}

void generate_missing_files(const DatasetOptions& options) {
  const SynthDataOptions& synth = *options.synth;
  const bool need_train = !fs::exists(options.train);
  const bool need_ood = synth.ood_n > 0 && !fs::exists(options.ood);
  if (!need_train && !need_ood) return;
  try {
    if (synth.kind == SynthKind::news)
      generate_news_files(options, need_train, need_ood);
    else
      generate_ads(options);
  } catch (...) {
    rethrow_with_context("[data.synth]");
  }
}

// label → description from the training file's `description_field` column: the first
// non-empty description of each label (a label whose rows disagree gets one warning).
std::map<std::string, std::string> read_description_column(const DatasetOptions& options) {
  const RecordTable table = read_table(options.train, options);
  const size_t column = table.require_column(options.description_field);
  const LabelReader labels(table, options);
  std::map<std::string, std::string> out;
  std::set<std::string> warned;
  for (const Record& row : table.rows) {
    const std::string description = trim(scalar(table, row, column, "description"));
    if (description.empty()) continue;
    for (const auto& label : labels.read(row)) {
      auto [at, added] = out.emplace(label, description);
      if (!added && at->second != description && warned.insert(label).second)
        log_warn(kSource, table.where(row) + ": label '" + label +
                              "' has another description than on its first row; the first is "
                              "used");
    }
  }
  return out;
}

}  // namespace

Dataset load_dataset(const DatasetOptions& options, const TextNormalizer& normalize) {
  if (options.synth) generate_missing_files(options);
  Dataset dataset;
  dataset.multi_label = options.multi_label;
  std::vector<RawExample> all =
      read_examples(options.train, options, normalize, true, dataset.skipped_empty);
  // Parts given as files take no share of train; the other fractions are renormalised.
  std::array<double, 3> fractions = options.split;
  if (!options.validation.empty()) fractions[1] = 0;
  if (!options.test.empty()) fractions[2] = 0;
  const double sum = fractions[0] + fractions[1] + fractions[2];
  for (double& f : fractions) f /= sum;
  std::vector<std::string> strata;
  strata.reserve(all.size());
  for (const auto& example : all) strata.push_back(stratum(example));
  const SplitIndices parts = stratified_split(strata, fractions, options.seed);
  std::vector<RawExample> train = pick_rows(all, parts.train);
  std::vector<RawExample> validation = pick_rows(all, parts.validation);
  std::vector<RawExample> test = pick_rows(all, parts.test);
  all.clear();
  if (!options.validation.empty())
    validation = read_examples(options.validation, options, normalize, true, dataset.skipped_empty);
  if (!options.test.empty())
    test = read_examples(options.test, options, normalize, true, dataset.skipped_empty);
  dataset.labels = label_set(train, options.multi_label);
  dataset.train = to_split(train, dataset.labels, options.multi_label);
  dataset.validation = to_split(validation, dataset.labels, options.multi_label);
  dataset.test = to_split(test, dataset.labels, options.multi_label);
  if (!options.ood.empty()) {
    size_t ignored = 0;
    for (auto& example : read_examples(options.ood, options, normalize, false, ignored))
      dataset.ood_texts.push_back(std::move(example.text));
  }
  if (!options.descriptions.empty())
    dataset.descriptions = read_category_descriptions(options.descriptions);
  else if (!options.description_field.empty())
    dataset.descriptions = read_description_column(options);
  log_info(kSource, std::to_string(dataset.labels.size()) + " labels; train " +
                        std::to_string(dataset.train.size()) + ", validation " +
                        std::to_string(dataset.validation.size()) + ", test " +
                        std::to_string(dataset.test.size()));
  return dataset;
}

TextFileFormat text_file_format(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".csv") return TextFileFormat::csv;
  if (ext == ".tsv") return TextFileFormat::tsv;
  if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return TextFileFormat::jsonl;
  return TextFileFormat::plain;
}

TextFile read_text_file(const fs::path& file, const DatasetOptions& options,
                        const TextNormalizer& normalize, bool read_labels, TextFileFormat format) {
  TextFile out;
  out.format = format == TextFileFormat::auto_detect ? text_file_format(file) : format;
  RecordTable table;
  switch (out.format) {
    case TextFileFormat::csv:
      table = read_csv(file);
      break;
    case TextFileFormat::tsv:
      table = read_csv(file, '\t');
      break;
    case TextFileFormat::jsonl:
      table = read_jsonl(file);
      break;
    default:
      table = read_plain_lines(file);
  }
  const std::vector<size_t> columns = out.format == TextFileFormat::plain
                                          ? std::vector<size_t>{0}
                                          : input_text_columns(table, options);
  std::optional<LabelReader> labels;
  const bool label_column = options.multi_label && !options.label_columns.empty()
                                ? table.column(options.label_columns.front()).has_value()
                                : table.column(options.label_field).has_value();
  if (read_labels && out.format != TextFileFormat::plain && label_column) {
    labels.emplace(table, options);
    out.has_labels = true;
  }
  for (const Record& row : table.rows) {
    std::optional<std::string> text = row_text(table, row, columns, options, normalize);
    if (!text) {
      ++out.skipped_empty;
      continue;
    }
    out.texts.push_back(std::move(*text));
    out.origins.push_back(table.source + ":" + std::to_string(row.line));
    if (labels && options.multi_label) out.label_sets.push_back(labels->read(row));
    if (labels && !options.multi_label) out.labels.push_back(labels->read(row).front());
  }
  if (out.skipped_empty > 0)
    log_warn(kSource, file.string() + ": skipped " + std::to_string(out.skipped_empty) +
                          " rows whose text is empty after normalisation");
  return out;
}

}  // namespace rubrika
