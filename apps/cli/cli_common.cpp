#include "cli_common.hpp"

#include <rubrika/error.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace rubrika::cli {

int exit_code_for(const std::exception& error) {
  if (dynamic_cast<const UsageError*>(&error)) return kUsage;
  if (dynamic_cast<const RecipeError*>(&error)) return kRecipe;
  if (dynamic_cast<const PluginError*>(&error)) return kPlugin;
  if (dynamic_cast<const InputError*>(&error)) return kInput;
  if (dynamic_cast<const IoError*>(&error)) return kIo;
  if (dynamic_cast<const ArtifactError*>(&error)) return kArtifact;
  return kFailure;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {{"plugins", "list"},
       "list every plugin found: kind, name, version, file",
       &run_plugins_list},
      {{"recipe", "check"},
       "validate a recipe: syntax, keys, types, plugins, files",
       &run_recipe_check},
      {{"recipe", "show"},
       "print the resolved recipe (overrides applied, paths absolute)",
       &run_recipe_show},
      {{"doctor"},
       "check this machine: libtorch, CUDA, threads, CPU, BLAS core, GEMM speed",
       &run_doctor},
      {{"train"},
       "train every stage of a recipe into its run folder",
       &run_train,
       Workload::compute},
      {{"tokenize"},
       "WordPiece-tokenize texts with a model folder: one JSON line each",
       &run_tokenize},
      {{"vocab", "train"},
       "learn a WordPiece vocabulary from text, CSV or JSONL files",
       &run_vocab_train},
      {{"bench", "tokenizer"},
       "tokenizer throughput (texts/s, MB/s) on synthetic ads",
       &run_bench_tokenizer},
      {{"predict"},
       "classify texts with a trained run folder: one JSON line per text",
       &run_predict,
       Workload::compute},
      {{"eval"},
       "metrics of a trained run on its test split or a labelled file",
       &run_eval,
       Workload::compute},
      {{"serve"},
       "serve a trained run folder (or a recipe's) over HTTP",
       &run_serve,
       Workload::compute},
      {{"encode"},
       "encode texts with a BERT folder: one JSON line each (ids, cls, pooled, logits)",
       &run_encode,
       Workload::compute},
      {{"bench", "encoder"},
       "encoder throughput (sequences/s, GFLOP/s, share of GEMM peak)",
       &run_bench_encoder,
       Workload::compute},
      {{"bench", "train"},
       "fine-tuning speed (examples/s) and peak memory of the training step",
       &run_bench_train,
       Workload::compute},
      {{"data", "synth"},
       "generate the synthetic Russian ads corpus (and an out-of-domain set)",
       &run_data_synth},
      {{"data", "report"},
       "load a recipe's [data] and print the class counts per split",
       &run_data_report},
      {{"extend"},
       "add or remove labels of a trained run without retraining its encoder",
       &run_extend,
       Workload::compute},
      {{"report"},
       "write a run folder's report.html (or --out FILE) from its metrics.json",
       &run_report},
  };
  return table;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> names;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(begin, end - begin);
    const size_t first = name.find_first_not_of(' ');
    const size_t last = name.find_last_not_of(' ');
    if (first != std::string::npos) names.push_back(name.substr(first, last - first + 1));
    begin = end + 1;
  }
  return names;
}

std::optional<po::variables_map> parse_options(
    const std::vector<std::string>& args, const std::string& usage,
    po::options_description& options, const po::positional_options_description& positional) {
  options.add_options()("help,h", "show this help");
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), values);
    if (values.count("help")) {
      std::cout << "usage: " << usage << "\n\n" << options << "\n";
      return std::nullopt;
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (usage: " + usage + ")");
  }
  return values;
}

PluginRegistry& registry_for(const Recipe* recipe) {
  PluginRegistry& registry = PluginRegistry::global();
  registry.load_default_folders();
  if (recipe != nullptr) {
    for (const auto& folder : recipe->plugins().paths) {
      try {
        registry.load_folder(folder);
      } catch (...) {
        rethrow_with_context("[plugins] paths");
      }
    }
  }
  return registry;
}

}  // namespace rubrika::cli
