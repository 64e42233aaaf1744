// rubrika predict RUN_DIR (TEXT... | --input FILE) [--top-k K] [--rerank auto|always|never]
//
// --input reads CSV, TSV, JSONL or plain text (one text a line) like the data stage reads
// [data] files: the text is the run's [data] text_fields joined (--text-field overrides them;
// a file with none of them but a "text" field uses that). One JSON line is printed per text,
// in file order; rows whose text is empty are skipped with a warning.
#include "cli_common.hpp"
#include "input_files.hpp"

#include <rubrika/error.hpp>
#include <rubrika/pipeline.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace rubrika::cli {

int run_predict(const std::vector<std::string>& args) {
  std::string run_dir, input, rerank = "auto", device = "auto";
  std::vector<std::string> texts;
  PredictOptions predict;
  InputFileOptions file_options;
  const std::string usage =
      "rubrika predict RUN_DIR (TEXT... | --input FILE) [--top-k K] [--rerank MODE]";
  po::options_description options(usage);
  options.add_options()("run", po::value(&run_dir)->required(), "the run folder")(
      "text", po::value(&texts)->composing(), "texts to classify")(
      "input", po::value(&input),
      "file of texts: CSV/TSV with a header, JSONL objects, or plain text (one a line)")(
      "top-k", po::value(&predict.top_k)->default_value(5), "labels listed per text")(
      "rerank", po::value(&rerank)->default_value("auto"), "auto | always | never")(
      "timings", po::bool_switch(&predict.timings), "add per-stage timings")(
      "device", po::value(&device)->default_value("auto"), "auto | cpu | cuda | cuda:N");
  file_options.add_to(options, false);
  po::positional_options_description positional;
  positional.add("run", 1).add("text", -1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  if (texts.empty() && input.empty())
    throw UsageError("no texts: give TEXT arguments or --input FILE");
  if (predict.top_k < 1)
    throw UsageError("--top-k must be at least 1, got " + std::to_string(predict.top_k));
  for (size_t i = 0; i < texts.size(); ++i)
    if (texts[i].find_first_not_of(" \t\r\n\f\v") == std::string::npos)
      throw InputError("text " + std::to_string(i + 1) + " is empty or only whitespace",
                       "TEXT arguments", "give each text some words, or use --input FILE");
  predict.rerank = parse_rerank_mode(rerank);
  const TextFileFormat format = file_options.file_format();

  auto pipeline = Pipeline::load(run_dir, registry_for(nullptr), device);
  if (!input.empty()) {
    const DatasetOptions data = file_options.applied_to(run_data_options(run_dir, false));
    TextFile file = read_text_file(input, data, raw_if_not_empty(*pipeline), false, format);
    if (file.texts.empty())
      throw InputError("the input file has no texts", input,
                       "give one text a line, or CSV/JSONL rows with the text fields");
    texts.insert(texts.end(), std::make_move_iterator(file.texts.begin()),
                 std::make_move_iterator(file.texts.end()));
  }
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
