// Pieces every `rubrika` subcommand shares: the command table entry, option parsing with
// --help, the mapping from errors to exit codes, and plugin loading for a recipe.
#pragma once

#include <rubrika/recipe.hpp>
#include <rubrika/registry.hpp>
#include <rubrika/runtime.hpp>

#include <boost/program_options.hpp>

#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace rubrika::cli {

// Exit codes, one per error category, so scripts can tell failures apart.
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,   // any other error
  kUsage = 2,     // bad command line
  kRecipe = 3,    // RecipeError
  kPlugin = 4,    // PluginError
  kInput = 5,     // InputError
  kIo = 6,        // IoError
  kArtifact = 7,  // ArtifactError
};

// The one place that maps an exception to an exit code.
int exit_code_for(const std::exception& error);

// Thrown for command-line mistakes; main() prints it with the command's --help hint.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  std::vector<std::string> words;                    // e.g. {"recipe", "check"}
  std::string summary;                               // one line for `rubrika --help`
  int (*run)(const std::vector<std::string>& args);  // args after the command words
  Workload workload = Workload::light;               // compute: runs models, gets the threading fix
};

const std::vector<Command>& commands();

// Parses `args` against `options` (+ positional names). Returns nullopt after printing
// help when --help was given. Throws UsageError on unknown or malformed options.
std::optional<boost::program_options::variables_map> parse_options(
    const std::vector<std::string>& args, const std::string& usage,
    boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional = {});

// "a,b,c" → {"a", "b", "c"}, spaces around names trimmed, empty names dropped.
std::vector<std::string> split_commas(const std::string& text);

// The global registry with its default folders and the recipe's [plugins] paths loaded.
PluginRegistry& registry_for(const Recipe* recipe);

// Command implementations (one file each).
int run_plugins_list(const std::vector<std::string>& args);
int run_recipe_check(const std::vector<std::string>& args);
int run_recipe_show(const std::vector<std::string>& args);
int run_doctor(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_tokenize(const std::vector<std::string>& args);
int run_vocab_train(const std::vector<std::string>& args);
int run_bench_tokenizer(const std::vector<std::string>& args);
int run_predict(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_bench_train(const std::vector<std::string>& args);
int run_serve(const std::vector<std::string>& args);
int run_encode(const std::vector<std::string>& args);
int run_bench_encoder(const std::vector<std::string>& args);
int run_data_synth(const std::vector<std::string>& args);
int run_data_report(const std::vector<std::string>& args);
int run_report(const std::vector<std::string>& args);
int run_extend(const std::vector<std::string>& args);

}  // namespace rubrika::cli
