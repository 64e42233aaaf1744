// Trainer: the one training loop.
//
// For each epoch: a seeded permutation of the examples, grouped by length when asked
// (Hugging Face's LengthGroupedSampler: mega-batches of 50 batches sorted by length),
// AdamW with decoupled weight decay except on biases and LayerNorm weights, linear
// warm-up then linear decay to 0, gradient accumulation, global-norm clipping,
// evaluation every epoch (or N steps), the best model kept by a chosen metric, early
// stopping with patience.
//
// Checkpoints (run_dir/checkpoints/last/) hold model weights, optimiser state, the step,
// the data position and every RNG state, written to a temporary folder and renamed, so a
// run killed at any moment resumes from its last checkpoint and — on the CPU — ends
// bit-for-bit where an uninterrupted run ends. At the end the best weights are loaded
// back into the model.
//
// Data-parallel (distribute()): W workers, one per process, over a Communicator
// (rubrika/train/communicator.hpp, libtorch's c10d); W workers of batch B take the steps one
// worker of batch W*B takes, within float rounding.
#pragma once

#include <rubrika/train/trainer_options.hpp>
#include <rubrika/train/training_task.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace rubrika {

class Communicator;

struct TrainingResult {
  int64_t steps = 0;  // optimiser steps taken in total
  int64_t epochs_completed = 0;
  double best_metric = 0.0;  // value of options.metric at the best evaluation
  int64_t best_step = 0;
  bool stopped_early = false;
  std::map<std::string, double> best_evaluation;  // every metric of the best evaluation
  double seconds = 0.0;                           // wall time of this invocation
};

class Trainer {
 public:
  // `work_dir` receives checkpoints/ and train_log.jsonl; `name` prefixes log lines
  // ("classifier", "reranker").
  Trainer(TrainerOptions options, std::filesystem::path work_dir, std::string name, uint64_t seed);

  // Trains `task`. With `resume`, continues from work_dir/checkpoints/last when it exists
  // (a missing checkpoint starts from scratch with a log line). Throws ArtifactError on a
  // checkpoint that does not match the task (different parameters or shapes).
  TrainingResult train(TrainingTask& task, bool resume);
  // Called after every optimiser step with the global step (1-based) — for benchmarks that
  // time the steps alone, without the evaluation and checkpoint at the end of an epoch.
  void on_step(std::function<void(int64_t step)> observer) { step_observer_ = std::move(observer); }
  // Trains data-parallel with the other workers of `communicator` (not owned; null or a
  // world of one: alone). Each optimiser step takes a batch of batch_size × world_size
  // examples, each worker its batch_size share; gradients are averaged in one bucket after
  // the backward passes (not overlapped with them), then unscaled and clipped. Rank 0
  // evaluates and writes checkpoints, train_log.jsonl and the best weights; the others
  // wait for it and take its verdict. A checkpoint records the world size it was written
  // with, and resuming with another is an InputError.
  void distribute(Communicator* communicator) { communicator_ = communicator; }

 private:
  TrainerOptions options_;
  std::filesystem::path work_dir_;
  std::string name_;
  uint64_t seed_;
  std::function<void(int64_t)> step_observer_;
  Communicator* communicator_ = nullptr;
};

// True for parameters AdamW must not decay: biases and LayerNorm weights.
bool is_no_decay_parameter(const std::string& name);

// The learning-rate factor at `step` (0-based) of `total` with `warmup` warm-up steps:
// step/warmup during warm-up, then linear decay to 0 at `total`.
double linear_schedule(int64_t step, int64_t warmup, int64_t total);

// The batches of one epoch: a permutation seeded by (seed, epoch); with `lengths`,
// grouped by length in mega-batches of 50 batches, the longest batch first.
std::vector<std::vector<int64_t>> epoch_batches(int64_t num_examples, int64_t batch_size,
                                                uint64_t seed, int64_t epoch,
                                                const std::vector<int64_t>* lengths);

}  // namespace rubrika
