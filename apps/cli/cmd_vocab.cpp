// rubrika vocab train --corpus FILE... [--text-fields a,b] --size N [--min-frequency K]
//                     [--lowercase] --out DIR
// Learns a WordPiece vocabulary (vocab.txt + tokenizer files) from plain-text files (one
// text a line) or, with --text-fields, CSV/JSONL files whose fields are joined.
#include "cli_common.hpp"

#include <rubrika/data/csv.hpp>
#include <rubrika/data/jsonl.hpp>
#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/text/wordpiece_trainer.hpp>

#include <boost/algorithm/string.hpp>

#include <fstream>
#include <iostream>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {
namespace {

std::vector<std::string> read_texts(const fs::path& file, const std::vector<std::string>& fields) {
  std::vector<std::string> texts;
  if (fields.empty()) {
    std::ifstream in(file);
    if (!in) throw IoError("cannot open corpus file", file.string());
    for (std::string line; std::getline(in, line);) texts.push_back(line);
    return texts;
  }
  const std::string ext = file.extension().string();
  RecordTable table = (ext == ".jsonl" || ext == ".ndjson") ? read_jsonl(file) : read_csv(file);
  std::vector<size_t> columns;
  for (const auto& f : fields) columns.push_back(table.require_column(f));
  for (const auto& row : table.rows) {
    std::string text;
    for (size_t c : columns)
      if (row.fields[c].present && !row.fields[c].text.empty())
        text += (text.empty() ? "" : ". ") + row.fields[c].text;
    texts.push_back(std::move(text));
  }
  return texts;
}

}  // namespace

int run_vocab_train(const std::vector<std::string>& args) {
  std::vector<std::string> corpus;
  std::string fields, out;
  WordPieceTrainerOptions options;
  const std::string usage =
      "rubrika vocab train --corpus FILE... [--text-fields a,b] --size N [--min-frequency K] "
      "[--lowercase] --out DIR";
  po::options_description described(usage);
  described.add_options()("corpus", po::value(&corpus)->multitoken()->required(),
                          "text files (one text a line) or CSV/JSONL")(
      "text-fields", po::value(&fields), "CSV/JSONL fields joined into each text, comma-separated")(
      "size", po::value(&options.vocab_size)->required(),
      "tokens in the vocabulary, specials included")(
      "min-frequency", po::value(&options.min_frequency)->default_value(2),
      "occurrences a merge needs")("lowercase", po::bool_switch(&options.lowercase),
                                   "lowercase and strip accents (an uncased model)")(
      "out", po::value(&out)->required(), "output folder (written atomically)");
  if (!parse_options(args, usage, described)) return kOk;
  if (options.vocab_size < 32) throw UsageError("--size must be at least 32");
  std::vector<std::string> field_list;
  if (!fields.empty()) boost::split(field_list, fields, boost::is_any_of(","));
  std::vector<std::string> texts;
  for (const auto& file : corpus) {
    auto more = read_texts(file, field_list);
    texts.insert(texts.end(), more.begin(), more.end());
  }
  train_wordpiece_vocabulary(texts, options, out);
  std::ifstream vocab(fs::path(out) / "vocab.txt");
  int64_t lines = 0;
  for (std::string line; std::getline(vocab, line);) ++lines;
  std::cout << "wrote " << lines << " tokens to " << (fs::path(out) / "vocab.txt").string()
            << " from " << texts.size() << " texts\n";
  return kOk;
}

}  // namespace rubrika::cli
