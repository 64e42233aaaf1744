#include <rubrika/error.hpp>
#include <rubrika/recipe.hpp>
#include <rubrika/train/distributed_options.hpp>

namespace rubrika {

DistributedOptions DistributedOptions::read(const Recipe& recipe) {
  DistributedOptions o;
  const toml::table* run = recipe.section("run");
  const toml::node* node = run ? run->get("distributed") : nullptr;
  if (node == nullptr) return o;
  const toml::table* table = node->as_table();
  if (table == nullptr)
    throw RecipeError("must be a table ([run.distributed])",
                      recipe.file().string() + " [run] distributed");
  OptionsReader in(*table, "run.distributed", false);
  o.backend = in.get_enum("backend", o.backend, kDistributedBackendNames);
  o.timeout = std::chrono::seconds(in.get_int("timeout_s", o.timeout.count(), 1, 7 * 24 * 3600));
  in.finish();
  return o;
}

std::unique_ptr<Communicator> connect_workers(const WorldPlacement& placement,
                                              const DistributedOptions& options) {
  if (options.backend == DistributedBackend::nccl)
    throw RecipeError("this libtorch has no NCCL (it was built without CUDA)",
                      "[run.distributed] backend", "use backend = \"gloo\" or \"auto\"");
  return connect_gloo(placement, options.timeout);
}

}  // namespace rubrika
