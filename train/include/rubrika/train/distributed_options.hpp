// [run.distributed]: how the workers of a data-parallel `rubrika train` talk to each other.
//
//   [run.distributed]
//   backend = "auto"     # auto | gloo | nccl; auto = gloo in this build
//   timeout_s = 1800     # a collective (or the rendezvous) waiting longer fails the run
//
// The workers themselves come from torchrun's environment or `rubrika train
// --nproc-per-node N` (docs/distributed.md); a run of one process ignores this table.
#pragma once

#include <rubrika/options_reader.hpp>
#include <rubrika/train/communicator.hpp>

#include <chrono>
#include <memory>

namespace rubrika {

class Recipe;

enum class DistributedBackend { automatic, gloo, nccl };
inline constexpr EnumName<DistributedBackend> kDistributedBackendNames[] = {
    {"auto", DistributedBackend::automatic},
    {"gloo", DistributedBackend::gloo},
    {"nccl", DistributedBackend::nccl}};

struct DistributedOptions {
  DistributedBackend backend = DistributedBackend::automatic;
  std::chrono::seconds timeout{1800};  // PyTorch's default process-group timeout

  // Reads [run.distributed] (absent: the defaults); RecipeError with file:line:col on a
  // bad value or an unknown key.
  static DistributedOptions read(const Recipe& recipe);
};

// Joins the run's workers as `placement` says with the recipe's backend. nccl needs a
// libtorch built with CUDA and NCCL, which Debian's is not: a RecipeError says so.
std::unique_ptr<Communicator> connect_workers(const WorldPlacement& placement,
                                              const DistributedOptions& options);

}  // namespace rubrika
