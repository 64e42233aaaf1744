// rubrika predict RUN_DIR (TEXT... | --input FILE.jsonl) [--top-k K] [--rerank auto|always|never]
#include "cli_common.hpp"

#include <rubrika/error.hpp>
#include <rubrika/pipeline.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

namespace po = boost::program_options;

namespace rubrika::cli {
namespace {

// One text per line: a JSON object with "text" (JSONL), or a JSON string.
std::vector<std::string> read_inputs(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw IoError("cannot open input file", file);
  std::vector<std::string> texts;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto json = nlohmann::json::parse(line, nullptr, false);
    const std::string where = file + ":" + std::to_string(number);
    if (json.is_discarded())
      throw InputError("not valid JSON", where, "one JSON object per line: {\"text\": \"...\"}");
    if (json.is_string()) {
      texts.push_back(json.get<std::string>());
    } else if (json.is_object() && json.contains("text") && json["text"].is_string()) {
      texts.push_back(json["text"].get<std::string>());
    } else {
      throw InputError("line has no string field \"text\"", where);
    }
  }
  return texts;
}

}  // namespace

int run_predict(const std::vector<std::string>& args) {
  std::string run_dir, input, rerank = "auto", device = "auto";
  std::vector<std::string> texts;
  PredictOptions predict;
  const std::string usage =
      "rubrika predict RUN_DIR (TEXT... | --input FILE.jsonl) [--top-k K] [--rerank MODE]";
  po::options_description options(usage);
  options.add_options()("run", po::value(&run_dir)->required(), "the run folder")(
      "text", po::value(&texts)->composing(), "texts to classify")(
      "input", po::value(&input), "JSONL file: one {\"text\": ...} per line")(
      "top-k", po::value(&predict.top_k)->default_value(5), "labels listed per text")(
      "rerank", po::value(&rerank)->default_value("auto"), "auto | always | never")(
      "timings", po::bool_switch(&predict.timings), "add per-stage timings")(
      "device", po::value(&device)->default_value("auto"), "auto | cpu | cuda | cuda:N");
  po::positional_options_description positional;
  positional.add("run", 1).add("text", -1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  if (!input.empty()) {
    auto more = read_inputs(input);
    texts.insert(texts.end(), more.begin(), more.end());
  }
  if (texts.empty()) throw UsageError("no texts: give TEXT arguments or --input FILE");
  predict.rerank = parse_rerank_mode(rerank);

  auto pipeline = Pipeline::load(run_dir, registry_for(nullptr), device);
  const int64_t batch = 32;
  for (size_t begin = 0; begin < texts.size(); begin += batch) {
    std::vector<std::string> chunk(
        texts.begin() + static_cast<long>(begin),
        texts.begin() + static_cast<long>(std::min(texts.size(), begin + batch)));
    for (const auto& p : pipeline->predict(chunk, predict)) std::cout << to_json(p) << "\n";
  }
  return kOk;
}

}  // namespace rubrika::cli
