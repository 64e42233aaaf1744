// rubrika tokenize --model DIR [--pair TEXT_B] [--max-length N] (--input FILE | [--] TEXT...)
// One JSON line per text: tokens, input_ids, token_type_ids, attention_mask, offsets.
#include "cli_common.hpp"

#include <rubrika/error.hpp>
#include <rubrika/text/bert_tokenizer.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

namespace po = boost::program_options;

namespace rubrika::cli {

int run_tokenize(const std::vector<std::string>& args) {
  std::string model, pair, input;
  int64_t max_length = 0;
  std::vector<std::string> texts;
  const std::string usage =
      "rubrika tokenize --model DIR [--pair TEXT_B] [--max-length N] (--input FILE | [--] TEXT...)";
  po::options_description options(usage);
  options.add_options()("model", po::value(&model)->required(),
                        "a folder with vocab.txt (+ tokenizer_config.json)")(
      "pair", po::value(&pair), "second segment for every text")(
      "max-length", po::value(&max_length), "truncate to N tokens (default: the model's maximum)")(
      "input", po::value(&input), "file with one text per line")(
      "json", "JSON lines (the only output format; accepted for scripts)")(
      "text", po::value(&texts)->composing(), "texts; put -- before a text starting with '-'");
  po::positional_options_description positional;
  positional.add("text", -1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  if (!input.empty()) {
    std::ifstream in(input);
    if (!in) throw IoError("cannot open input file", input);
    for (std::string line; std::getline(in, line);) texts.push_back(line);
  }
  if (texts.empty()) throw UsageError("no texts: give TEXT arguments or --input FILE");
  const BertTokenizer tokenizer = BertTokenizer::from_folder(model);
  const std::string_view pair_view(pair);
  for (const auto& text : texts) {
    const Encoding e = tokenizer.encode(text, pair.empty() ? nullptr : &pair_view, max_length);
    nlohmann::json offsets = nlohmann::json::array();
    for (const auto& [start, end] : e.offsets) offsets.push_back({start, end});
    std::cout << nlohmann::json{{"tokens", e.tokens},
                                {"input_ids", e.input_ids},
                                {"token_type_ids", e.token_type_ids},
                                {"attention_mask", e.attention_mask},
                                {"offsets", offsets},
                                {"truncated", e.truncated}}
                     .dump()
              << "\n";
  }
  return kOk;
}

}  // namespace rubrika::cli
