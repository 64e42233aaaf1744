// rubrika train RECIPE [--set k=v ...] [--resume] [--stages a,b] [--force]
#include "cli_common.hpp"

#include <rubrika/train/run_training.hpp>

#include <boost/algorithm/string.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace rubrika::cli {

int run_train(const std::vector<std::string>& args) {
  std::string recipe_file, stages;
  std::vector<std::string> overrides;
  TrainRequest request;
  const std::string usage =
      "rubrika train RECIPE [--set section.key=value ...] [--resume] [--stages "
      "data,classifier,...] [--force]";
  po::options_description options(usage);
  options.add_options()("recipe", po::value(&recipe_file)->required(), "the recipe file")(
      "set", po::value(&overrides)->composing(),
      "override one value: section.key=value (repeatable)")(
      "resume", po::bool_switch(&request.resume),
      "continue interrupted training from its last checkpoint")(
      "stages", po::value(&stages), "run only these stages (and what they need), comma-separated")(
      "force", po::bool_switch(&request.force),
      "run the selected stages even when their outputs are current");
  po::positional_options_description positional;
  positional.add("recipe", 1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  if (!stages.empty()) boost::split(request.stages, stages, boost::is_any_of(","));

  Recipe recipe = Recipe::load(recipe_file, overrides);
  PluginRegistry& registry = registry_for(&recipe);
  const auto run_dir = run_training(recipe, registry, request);
  std::cout << run_dir.string() << "\n";
  return kOk;
}

}  // namespace rubrika::cli
