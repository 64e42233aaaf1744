// The data stage: read the files named by [data], build one text per example, normalise it,
// split train/validation/test (stratified, seeded), map labels to ids, report class counts.
//
// The label map is the sorted set of labels of the training split, so it does not depend on
// row order. A label of a validation/test file that the training split lacks is an error
// naming the file, line, row and label. Splits made here are stratified per label (single-
// label) or per label combination (multi-label), so every class with at least one example
// has one in train.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <rubrika/data/dataset_options.hpp>
#include <rubrika/types.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace rubrika {

// Examples of one split. Single-label: labels[i] is a class id and multi_hot is empty.
// Multi-label: multi_hot[i] holds num_labels 0/1 values and labels is empty.
struct DataSplit {
  std::vector<std::string> texts;  // normalised
  std::vector<int64_t> labels;
  std::vector<std::vector<float>> multi_hot;
  std::vector<std::string> origins;  // "file:line" of each example, for messages
  size_t size() const { return texts.size(); }
};

struct Dataset {
  LabelSet labels;
  bool multi_label = false;
  DataSplit train, validation, test;
  std::vector<std::string> ood_texts;               // normalised, from [data] ood
  std::map<std::string, std::string> descriptions;  // label → description, when known
  size_t skipped_empty = 0;                         // texts empty after normalisation
};

// The normaliser as a callback (the Normalizer of the pipeline, or identity when empty).
using TextNormalizer = std::function<std::string(std::string_view)>;

// Runs the data stage. Generates missing files first when [data.synth] says so. Throws
// InputError (bad rows, unknown labels, missing columns), IoError, RecipeError.
Dataset load_dataset(const DatasetOptions& options, const TextNormalizer& normalize = {});

// How read_text_file reads a file.
enum class TextFileFormat { auto_detect, csv, tsv, jsonl, plain };
inline constexpr EnumName<TextFileFormat> kTextFileFormatNames[] = {
    {"auto", TextFileFormat::auto_detect},
    {"csv", TextFileFormat::csv},
    {"tsv", TextFileFormat::tsv},
    {"jsonl", TextFileFormat::jsonl},
    {"text", TextFileFormat::plain}};

// The format of `file` by extension: .csv → csv, .tsv → tsv, .jsonl .ndjson .json → jsonl,
// anything else → plain text.
TextFileFormat text_file_format(const std::filesystem::path& file);

// What read_text_file found: one entry per usable text, in file order.
struct TextFile {
  TextFileFormat format = TextFileFormat::plain;     // as read (never auto_detect)
  std::vector<std::string> texts;                    // after `normalize`
  std::vector<std::string> labels;                   // label names, one per text; empty: none
  std::vector<std::vector<std::string>> label_sets;  // multi-label [data]: each text's labels
  bool has_labels = false;                           // the file has the label column
  std::vector<std::string> origins;                  // "file:line" of each text
  size_t skipped_empty = 0;                          // texts empty after normalisation
};

// Texts (and labels where present) of a file given to `predict --input` or `eval --data`,
// read like the data stage reads [data] files:
//   csv / tsv / jsonl  the text is the options' text_fields joined by its joiner; fields the
//                      file lacks are left out (with a warning), and a file with none of them
//                      but a "text" column uses that; none at all is an InputError listing
//                      the file's columns. With `read_labels`, options.label_field is read
//                      when the file has that column: into `labels` (single-label; empty
//                      labels are errors) or, with options.multi_label, into `label_sets`
//                      (a JSONL list, an "a|b" string, or the 0/1 label_columns).
//   plain              one text a line (LF or CRLF), a UTF-8 byte-order mark skipped,
//                      blank lines skipped; no labels.
// Every row is read (max_rows is for training files). Empty texts after `normalize` are
// skipped and counted, or an error per options.empty_text. Errors are InputError naming the
// file and line: invalid UTF-8, malformed CSV/JSON rows, a list where a text is expected;
// IoError for a missing or unreadable file.
TextFile read_text_file(const std::filesystem::path& file, const DatasetOptions& options,
                        const TextNormalizer& normalize, bool read_labels,
                        TextFileFormat format = TextFileFormat::auto_detect);

// Row indices of each part.
struct SplitIndices {
  std::vector<size_t> train, validation, test;  // ascending
};

// Stratified split of rows 0..strata.size()-1: rows with equal stratum keys are spread over
// the parts in proportion to `fractions` (train, validation, test; summing to 1), rounding
// so that the totals match the fractions overall and every stratum keeps at least one
// training row. Deterministic for a given seed (rubrika::SplitMix64).
SplitIndices stratified_split(const std::vector<std::string>& strata,
                              const std::array<double, 3>& fractions, uint64_t seed);

// Examples per class: single-label counts ids, multi-label counts texts carrying the label.
std::vector<int64_t> class_counts(const DataSplit& split, int64_t num_labels);

// A printable table: one line per label with train / validation / test / total counts, a
// total line, and the number of skipped empty texts.
std::string class_count_report(const Dataset& dataset);

}  // namespace rubrika
