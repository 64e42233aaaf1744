// rubrika serve (RECIPE | RUN_DIR) [--host 127.0.0.1] [--port 8080] [--set serve.key=value ...]
//
// Serves the trained pipeline of a run folder over HTTP (docs/serving.md). Given a recipe,
// the run folder is the recipe's [run] output_dir/name and the [serve] table comes from
// the recipe; given a run folder, it comes from the resolved recipe saved in it.
// POST /admin/reload (with [serve] admin_token) and SIGHUP switch to another run folder, or
// read the one served again, with no downtime; reloads use the same registry and device.
#include "cli_common.hpp"

#include <rubrika/run_layout.hpp>
#include <rubrika/serve/pipeline_backend.hpp>
#include <rubrika/serve/server_runner.hpp>
#include <rubrika/serve/service.hpp>

#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>

#include <filesystem>
#include <iostream>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rubrika::cli {
namespace {

struct ServeArgs {
  std::string target;  // recipe file or run folder
  std::string host;
  int64_t port = -1;  // -1: from [serve]
  std::string device;
  std::vector<std::string> overrides;
};

// What to serve and how: the run folder, the device, and the [serve] table with overrides.
struct ServeTarget {
  fs::path run_dir;
  std::string device = "auto";
  toml::table recipe;  // holds [serve]
  std::optional<Recipe> loaded;
};

ServeTarget resolve_target(const ServeArgs& args) {
  for (const auto& text : args.overrides)
    if (text.rfind("serve.", 0) != 0)
      throw UsageError(
          "--set " + text +
          ": serve only takes serve.* overrides; the pipeline is fixed by the run folder");
  ServeTarget target;
  if (fs::is_regular_file(args.target)) {
    target.loaded = Recipe::load(args.target, args.overrides);
    target.run_dir = target.loaded->run().run_dir();
    target.device = target.loaded->run().device;
    if (const toml::table* serve = target.loaded->section("serve"))
      target.recipe.insert("serve", *serve);
  } else {
    target.run_dir = args.target;
    // The run folder keeps the resolved recipe it was trained with; its [serve] table applies.
    const fs::path saved = RunLayout(target.run_dir).recipe();
    if (fs::is_regular_file(saved)) {
      toml::table recipe;
      try {
        recipe = toml::parse_file(saved.string());
      } catch (const toml::parse_error& e) {
        throw ArtifactError(
            "the run's recipe.toml is not valid TOML: " + std::string(e.description()),
            source_location(e.source()), "re-run rubrika train");
      }
      if (const toml::table* serve = recipe["serve"].as_table())
        target.recipe.insert("serve", *serve);
    }
    for (const auto& text : args.overrides) apply_override(target.recipe, text);
  }
  if (!fs::is_directory(target.run_dir))
    throw ArtifactError("run folder not found", target.run_dir.string(),
                        "train it first (rubrika train RECIPE) or pass an existing run folder");
  return target;
}

}  // namespace

int run_serve(const std::vector<std::string>& args) {
  // Before any thread exists (plugins, libtorch), so the drain logic receives the signals.
  serve::block_shutdown_signals();
  ServeArgs parsed;
  const std::string usage =
      "rubrika serve (RECIPE | RUN_DIR) [--host 127.0.0.1] [--port 8080] [--set serve.key=value "
      "...]";
  po::options_description options(usage);
  options.add_options()("target", po::value(&parsed.target)->required(),
                        "a recipe file or a run folder")(
      "host", po::value(&parsed.host), "address to bind (default: [serve] host, 127.0.0.1)")(
      "port", po::value(&parsed.port),
      "TCP port; 0 picks a free one (default: [serve] port, 8080)")(
      "device", po::value(&parsed.device),
      "auto | cpu | cuda | cuda:N (default: the recipe's [run] device)")(
      "set", po::value(&parsed.overrides)->composing(),
      "override one [serve] value: serve.key=value (repeatable)");
  po::positional_options_description positional;
  positional.add("target", 1);
  if (!parse_options(args, usage, options, positional)) return kOk;

  ServeTarget target = resolve_target(parsed);
  if (!parsed.host.empty()) apply_override(target.recipe, "serve.host=" + parsed.host);
  if (parsed.port >= 0) apply_override(target.recipe, "serve.port=" + std::to_string(parsed.port));
  const toml::table* table = target.recipe["serve"].as_table();
  const serve::ServeOptions serve_options =
      serve::ServeOptions::from_toml(table ? *table : toml::table{});
  const std::string device = parsed.device.empty() ? target.device : parsed.device;

  PluginRegistry& registry = registry_for(target.loaded ? &*target.loaded : nullptr);
  serve::BackendLoader loader = serve::pipeline_loader(registry, device);
  // The first load goes through the same loader as every reload.
  serve::Service service(loader(target.run_dir.string()), serve_options, loader);
  return serve::serve_until_signal(service, serve_options, std::cout);
}

}  // namespace rubrika::cli
