// rubrika train RECIPE [--set k=v ...] [--resume] [--stages a,b] [--force]
//                      [--nproc-per-node N [--nnodes M --node-rank K --master-addr H
//                       --master-port P]]
#include "cli_common.hpp"
#include "worker_launcher.hpp"

#include <rubrika/train/distributed_options.hpp>
#include <rubrika/train/run_training.hpp>

#include <boost/algorithm/string.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

namespace po = boost::program_options;

namespace rubrika::cli {

namespace {

// The arguments a worker gets: these, without the launcher's own options.
std::vector<std::string> without_launcher_options(const std::vector<std::string>& args) {
  static const std::vector<std::string> launcher = {"--nproc-per-node", "--nnodes", "--node-rank",
                                                    "--master-addr", "--master-port"};
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto name = a.substr(0, a.find('='));
    if (std::find(launcher.begin(), launcher.end(), name) == launcher.end()) {
      out.push_back(a);
    } else if (a.find('=') == std::string::npos) {
      ++i;  // its value is the next argument
    }
  }
  return out;
}

}  // namespace

int run_train(const std::vector<std::string>& args) {
  std::string recipe_file, stages;
  std::vector<std::string> overrides;
  TrainRequest request;
  LaunchOptions launch;
  const std::string usage =
      "rubrika train RECIPE [--set section.key=value ...] [--resume] [--stages "
      "data,classifier,...] [--force] [--nproc-per-node N [--nnodes M --node-rank K "
      "--master-addr H --master-port P]]";
  po::options_description options(usage);
  options.add_options()("recipe", po::value(&recipe_file)->required(), "the recipe file")(
      "set", po::value(&overrides)->composing(),
      "override one value: section.key=value (repeatable)")(
      "resume", po::bool_switch(&request.resume),
      "continue interrupted training from its last checkpoint")(
      "stages", po::value(&stages), "run only these stages (and what they need), comma-separated")(
      "force", po::bool_switch(&request.force),
      "run the selected stages even when their outputs are current")(
      "nproc-per-node", po::value(&launch.nproc_per_node)->default_value(1),
      "start this many data-parallel workers here (docs/distributed.md)")(
      "nnodes", po::value(&launch.nnodes)->default_value(1), "machines in the run")(
      "node-rank", po::value(&launch.node_rank)->default_value(0), "this machine's index")(
      "master-addr", po::value(&launch.master_addr)->default_value(launch.master_addr),
      "host of rank 0")("master-port", po::value(&launch.master_port)->default_value(29500),
                        "port of rank 0's rendezvous store");
  po::positional_options_description positional;
  positional.add("recipe", 1);
  if (!parse_options(args, usage, options, positional)) return kOk;
  if (!stages.empty()) boost::split(request.stages, stages, boost::is_any_of(","));
  if (launch.nproc_per_node < 1 || launch.nnodes < 1 || launch.node_rank < 0 ||
      launch.node_rank >= launch.nnodes)
    throw UsageError(
        "--nproc-per-node and --nnodes must be at least 1 and --node-rank below "
        "--nnodes");

  Recipe recipe = Recipe::load(recipe_file, overrides);
  const DistributedOptions distributed = DistributedOptions::read(recipe);
  if (launch.nproc_per_node > 1 || launch.nnodes > 1) {
    launch_workers(launch, without_launcher_options(args));
    return kOk;
  }
  const WorldPlacement placement = WorldPlacement::from_environment();
  std::unique_ptr<Communicator> communicator;
  if (placement.distributed()) {
    communicator = connect_workers(placement, distributed);
    request.communicator = communicator.get();
  }
  PluginRegistry& registry = registry_for(&recipe);
  const auto run_dir = run_training(recipe, registry, request);
  if (placement.rank == 0) std::cout << run_dir.string() << "\n";
  return kOk;
}

}  // namespace rubrika::cli
