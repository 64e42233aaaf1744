// TrainingTask: what the Trainer trains. The trainer owns the loop (batching, optimiser,
// schedule, clipping, accumulation, evaluation, checkpoints, resume); a task owns the
// model and knows how to turn a batch of example indices into a loss. The classifier
// (encoder + head) and the cross-encoder reranker are both tasks, so there is one loop.
#pragma once

#include <rubrika/component.hpp>
#include <rubrika/types.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rubrika {

class TrainingTask {
 public:
  virtual ~TrainingTask();

  // Number of training examples; indices 0..n-1 are what loss() receives.
  virtual int64_t num_examples() const = 0;
  // Token length of example i, for length-grouped batches (any monotone size works).
  virtual int64_t example_length(int64_t index) const = 0;

  // Forward pass in training mode and the mean loss over `batch` (gradients enabled).
  virtual torch::Tensor loss(const std::vector<int64_t>& batch) = 0;

  // Validation metrics (e.g. "accuracy", "macro_f1", "loss"); the trainer switches the
  // model to evaluation mode before and back after.
  virtual std::map<std::string, double> evaluate() = 0;

  // Every trainable parameter with its checkpoint name; order must be stable.
  virtual NamedParameters named_parameters() = 0;
  virtual void set_training(bool training) = 0;
};

}  // namespace rubrika
