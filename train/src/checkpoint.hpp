// Resumable training checkpoints (private to the trainer).
//
// Folder layout of <work_dir>/checkpoints/last/:
//   model.pt        named parameter tensors (torch archive)
//   optimizer.pt    AdamW state (torch::save of the optimiser)
//   state.json      step, epoch, batch position, best metric, patience, history
//   rng.pt          libtorch CPU generator state
// A checkpoint is written into "<name>.tmp", then the old one is moved to "<name>.old",
// the new one renamed into place and the old one removed; a crash at any point leaves a
// complete checkpoint under "<name>" or "<name>.old", and load finds either.
#pragma once

#include <rubrika/component.hpp>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace rubrika::detail {

struct CheckpointState {
  int64_t global_step = 0;     // optimiser steps done
  int64_t epoch = 0;           // epoch in progress
  int64_t batch_in_epoch = 0;  // micro-batches of that epoch already consumed
  nlohmann::json trainer;      // best metric, patience counter, history
};

void save_model_weights(const NamedParameters& parameters, const std::filesystem::path& file);
// Copies saved weights into `parameters`; throws ArtifactError on a missing name or shape.
void load_model_weights(const NamedParameters& parameters, const std::filesystem::path& file);

void save_checkpoint(const std::filesystem::path& folder, const NamedParameters& parameters,
                     torch::optim::Optimizer& optimizer, const CheckpointState& state);
// Returns false when no checkpoint exists at `folder` (or its ".old" twin).
bool load_checkpoint(const std::filesystem::path& folder, const NamedParameters& parameters,
                     torch::optim::Optimizer& optimizer, CheckpointState& state);

// Replaces folder `target` by the complete folder `staged` with the .old dance above.
void replace_folder(const std::filesystem::path& staged, const std::filesystem::path& target);

}  // namespace rubrika::detail
