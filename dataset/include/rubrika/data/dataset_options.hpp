// DatasetOptions: the recipe's [data] section — which files hold the examples, which fields
// make the text and the label, and how to split them.
//
//   [data]
//   train = "data/ads.csv"          # required; CSV or JSONL
//   validation = "data/val.csv"     # optional; otherwise split from train
//   test = "data/test.csv"          # optional; otherwise split from train
//   ood = "data/ads_ood.csv"        # optional out-of-domain texts (labels ignored;
//                                   # text_fields, or `text` when it has none of them)
//   format = "auto"                 # auto (by extension: .csv / .jsonl .ndjson .json) |
//                                   # csv | jsonl
//   text_fields = ["title", "description"]
//   joiner = ". "
//   label_field = "category"
//   multi_label = false             # labels: a JSONL list, an "a|b" string, or label_columns
//   label_columns = []              # multi-label 0/1 columns, one per label
//   label_separator = "|"
//   split = [0.72, 0.08, 0.20]      # train / validation / test fractions, stratified
//   seed = 42                       # default: [run] seed
//   empty_text = "skip"             # skip | error: texts empty after normalisation
//   max_rows = 0                    # per file; 0 = all
//   descriptions = "..."            # catalogue with a description per label (reranker text);
//                                   # default: synth.categories for [data.synth] kind = "ads"
//   description_field = ""          # or: a column of the training file holding each row's
//                                   # label description (single-label; first non-empty wins)
//   [data.synth]                    # generate train (and ood) with the synthetic generator
//   kind = "ads"                    # ads (data/ads_synth.hpp) | news (data/news_synth.hpp)
//   categories = "../configs/categories/ads_ru.toml"   # when those files do not exist;
//                                   # for news: configs/categories/news_ru.toml
//   n = 10000
//   seed = 42                       # default: the data seed
//   ood_n = 0                       # > 0 also writes `ood`: ads from ood_categories, news
//                                   # from the news catalogue's own [[ood]] kinds
//   ood_categories = "../configs/categories/ood_ru.toml"   # ads only
//   topics = ["политика", "экономика"]   # news only: the labelled topics; default all
//
// Files are generated only when missing (ads rewrites both when one is; news writes just
// the missing one), so a generated file is kept across runs: delete it after changing
// [data.synth]. The news file is JSONL, or CSV when its name ends in .csv; its
// `labels` field holds the selected topics (label_field = "labels", multi_label = true) and
// `all_labels` every topic of the item. News OOD rows have a single `text` field, read in
// place of text_fields.
//
// When validation and/or test files are given, the fractions of the given parts are dropped
// and the rest renormalised: with a test file only, train is split 0.72 : 0.08 into train and
// validation. Paths are relative to the recipe's folder.
#pragma once

#include <rubrika/enum_names.hpp>

#include <toml++/toml.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rubrika {

// [data.synth] kind: which synthetic generator writes the missing files.
enum class SynthKind { ads, news };
inline constexpr EnumName<SynthKind> kSynthKindNames[] = {{"ads", SynthKind::ads},
                                                          {"news", SynthKind::news}};

// [data.synth]: generate the data files when they are missing (quickstart recipes).
// Fields are in the order that keeps older brace-initialisers valid; kind and topics last.
struct SynthDataOptions {
  std::filesystem::path categories;      // in-domain catalogue, ads or news (required)
  int64_t n = 10000;                     // in-domain rows
  uint64_t seed = 42;                    // default: the [data] seed
  int64_t ood_n = 0;                     // OOD rows written to [data] ood; 0 = none
  std::filesystem::path ood_categories;  // ads: OOD catalogue (required when ood_n > 0)
  SynthKind kind = SynthKind::ads;       // ads | news
  std::vector<std::string> topics;       // news: labelled topics, catalogue names; empty = all
};

// [data] format: how a data file is read.
enum class DataFormat { auto_detect, csv, jsonl };
inline constexpr EnumName<DataFormat> kDataFormatNames[] = {
    {"auto", DataFormat::auto_detect}, {"csv", DataFormat::csv}, {"jsonl", DataFormat::jsonl}};

// [data] empty_text: what happens to a text that is empty after normalisation.
enum class EmptyText { skip, error };
inline constexpr EnumName<EmptyText> kEmptyTextNames[] = {{"skip", EmptyText::skip},
                                                          {"error", EmptyText::error}};

struct DatasetOptions {
  std::filesystem::path train;         // training file (required)
  std::filesystem::path validation;    // empty: split from train
  std::filesystem::path test;          // empty: split from train
  std::filesystem::path ood;           // out-of-domain texts; empty = none
  std::filesystem::path descriptions;  // catalogue of label descriptions; empty = none
  std::string description_field;       // training-file column of label descriptions; empty = none
  DataFormat format = DataFormat::auto_detect;                      // auto | csv | jsonl
  std::vector<std::string> text_fields = {"title", "description"};  // joined in this order
  std::string joiner = ". ";                                        // between non-empty text fields
  std::string label_field = "category";                             // the label column / key
  bool multi_label = false;                                         // several labels per text
  std::vector<std::string> label_columns;  // multi-label 0/1 columns (instead of label_field)
  std::string label_separator = "|";       // multi-label labels in one string: "a|b"
  std::array<double, 3> split = {0.72, 0.08, 0.20};  // train, validation, test fractions
  uint64_t seed = 42;                                // split seed
  EmptyText empty_text = EmptyText::skip;            // skip | error
  int64_t max_rows = 0;                              // rows read per file; 0 = all
  std::optional<SynthDataOptions> synth;             // generate missing files

  // Reads [data] strictly (unknown keys are errors with file:line:col). `run_seed` is the
  // default of `seed`.
  static DatasetOptions from_toml(const toml::table& table, uint64_t run_seed);
  // csv or jsonl for `file`: `format` unless it is auto, else by extension. Throws
  // rubrika::InputError for an unknown extension.
  DataFormat format_of(const std::filesystem::path& file) const;
};

}  // namespace rubrika
