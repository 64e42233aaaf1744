// `rubrika train --nproc-per-node N`: starts this machine's N workers of a data-parallel
// run the way torchrun does — the same command without the launcher's options, with RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set, and each
// worker given its share of the cores (RUBRIKA_NUM_THREADS, unless set) — then waits for
// them. When one fails (an error, or killed by a signal), the others are stopped and the
// launcher's error names the worker and how it ended.
#pragma once

#include <string>
#include <vector>

namespace rubrika::cli {

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

// Runs `rubrika train` with `train_args` in each worker; returns when all have ended.
// Throws rubrika::Error naming the first worker that failed.
void launch_workers(const LaunchOptions& options, const std::vector<std::string>& train_args);

}  // namespace rubrika::cli
