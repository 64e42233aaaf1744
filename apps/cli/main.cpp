// `rubrika`: one binary, one subcommand per job. The command table lives in
// cli_common.cpp; each command is a function in its own cmd_*.cpp file.
#include "cli_common.hpp"
#include "process_setup.hpp"

#include <iostream>

namespace {

void print_help() {
  std::cout << "rubrika: train and serve Russian text classifiers\n\n"
               "usage: rubrika <command> [options]   (rubrika <command> --help for details)\n\n"
               "commands:\n";
  for (const auto& command : rubrika::cli::commands()) {
    std::string name;
    for (const auto& word : command.words) name += (name.empty() ? "" : " ") + word;
    std::cout << "  " << name << std::string(name.size() < 18 ? 18 - name.size() : 1, ' ')
              << command.summary << "\n";
  }
}

// The command whose words start `args`; the longest match wins.
const rubrika::cli::Command* match(const std::vector<std::string>& args) {
  const rubrika::cli::Command* best = nullptr;
  for (const auto& command : rubrika::cli::commands()) {
    if (command.words.size() > args.size()) continue;
    bool same = std::equal(command.words.begin(), command.words.end(), args.begin());
    if (same && (best == nullptr || command.words.size() > best->words.size())) best = &command;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const rubrika::cli::Command* command = match(args);
  rubrika::cli::prepare_process(argv, command ? command->workload : rubrika::Workload::light);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? rubrika::cli::kUsage : rubrika::cli::kOk;
  }
  if (args[0] == "--version") {
    std::cout << "rubrika " << RUBRIKA_VERSION << "\n";
    return 0;
  }
  if (command == nullptr) {
    std::cerr << "rubrika: unknown command '" << args[0] << (args.size() > 1 ? " " + args[1] : "")
              << "' (run rubrika --help for the list)\n";
    return rubrika::cli::kUsage;
  }
  std::vector<std::string> rest(args.begin() + static_cast<long>(command->words.size()),
                                args.end());
  try {
    return command->run(rest);
  } catch (const std::exception& e) {
    std::cerr << "rubrika: error: " << e.what() << "\n";
    return rubrika::cli::exit_code_for(e);
  }
}
