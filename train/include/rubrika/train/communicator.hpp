// Communicator: what the trainer needs from the other processes of a data-parallel run, and
// nothing more — average gradients, agree on a decision, wait for each other.
//
// One process per worker (torchrun's model): rank 0 .. world_size - 1, each training the
// same model on its share of every batch. The implementation is libtorch's own c10d
// (ProcessGroupGloo over a TCPStore at MASTER_ADDR:MASTER_PORT), so the collectives are the
// ones PyTorch's DistributedDataParallel runs. A collective that waits longer than the
// timeout — a worker died or hangs — throws rubrika::Error naming the operation, so no
// worker ever waits for good.
#pragma once

#include <ATen/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rubrika {

// This process's place in the run, as torchrun's environment gives it.
struct WorldPlacement {
  int rank = 0;                           // RANK: 0 .. world_size - 1; rank 0 writes every file
  int world_size = 1;                     // WORLD_SIZE: processes in all
  int local_rank = 0;                     // LOCAL_RANK: rank among this machine's processes
  int local_world_size = 1;               // LOCAL_WORLD_SIZE: processes on this machine
  std::string master_addr = "127.0.0.1";  // MASTER_ADDR: the host of rank 0's store
  int master_port = 29500;                // MASTER_PORT

  bool distributed() const { return world_size > 1; }

  // Reads RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT.
  // None set: one process. WORLD_SIZE > 1 without RANK or MASTER_PORT, a value that is not
  // a number, or a rank outside the world: rubrika::InputError naming the variable.
  static WorldPlacement from_environment();
};

class Communicator {
 public:
  virtual ~Communicator();

  virtual int rank() const = 0;
  virtual int world_size() const = 0;

  // Replaces each tensor by its mean over the ranks (same shapes and dtypes on every rank).
  virtual void average(std::vector<at::Tensor>& tensors) = 0;
  // Replaces `tensor` by rank 0's.
  virtual void broadcast(at::Tensor& tensor) = 0;
  // Returns when every rank has called it.
  virtual void barrier() = 0;
};

// Joins the run's process group over Gloo (CPU tensors). Rank 0 hosts the TCPStore at
// master_addr:master_port; the others connect to it. Every collective, and the rendezvous,
// fails with rubrika::Error after `timeout`.
std::unique_ptr<Communicator> connect_gloo(const WorldPlacement& placement,
                                           std::chrono::milliseconds timeout);

}  // namespace rubrika
