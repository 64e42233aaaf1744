// TrainerOptions: the optimisation keys of the recipe's [train] table (and of the reranker's
// [reranker_train.train]). Keys that only the classifier has (freeze_encoder, the loss) are
// read by ClassifierTaskOptions from the same [train] table; the reranker's table rejects them.
#pragma once

#include <toml++/toml.h>

#include <rubrika/mixed_precision.hpp>
#include <rubrika/options_reader.hpp>

#include <cstdint>
#include <string>

namespace rubrika {

// The evaluation metric that chooses the best checkpoint (a key of TrainingTask::evaluate()).
enum class TrainingMetric { macro_f1, accuracy, loss, micro_f1, mrr, pair_f1 };
inline constexpr EnumName<TrainingMetric> kTrainingMetricNames[] = {
    {"macro_f1", TrainingMetric::macro_f1}, {"accuracy", TrainingMetric::accuracy},
    {"loss", TrainingMetric::loss},         {"micro_f1", TrainingMetric::micro_f1},
    {"mrr", TrainingMetric::mrr},           {"pair_f1", TrainingMetric::pair_f1}};

struct TrainerOptions {
  int64_t epochs = 3;       // passes over the training set
  int64_t max_steps = 0;    // optimiser steps to take; > 0 overrides epochs (as in Hugging Face)
  int64_t batch_size = 16;  // examples per optimiser step (before accumulation)
  int64_t gradient_accumulation_steps = 1;  // micro-batches summed per optimiser step
  double learning_rate = 2e-5;              // peak learning rate (encoder and head)
  double head_learning_rate = 0.0;          // head's own peak rate; 0 = learning_rate
  double weight_decay = 0.01;               // AdamW decay; never on biases and LayerNorm weights
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  double warmup_ratio = 0.1;                         // share of steps with linear warm-up from 0
  int64_t warmup_steps = -1;                         // overrides warmup_ratio when >= 0
  double max_grad_norm = 1.0;                        // global gradient-norm clip; 0 = off
  bool group_by_length = true;                       // batches of similar length (less padding)
  int64_t eval_every_steps = 0;                      // 0 = evaluate after every epoch
  TrainingMetric metric = TrainingMetric::macro_f1;  // chooses the best checkpoint
  bool greater_is_better = true;                     // false for metrics such as "loss"
  int64_t early_stopping_patience = 0;               // evaluations without improvement; 0 = off
  double early_stopping_threshold = 0.0;             // improvement smaller than this does not count
  int64_t checkpoint_every_steps = 0;  // extra resumable checkpoints; 0 = at evaluations only
  int64_t log_every_steps = 10;        // train_log.jsonl / progress line period
  Precision mixed_precision = Precision::fp32;  // "no" | "bf16" | "fp16" (CUDA): autocast
  std::string section = "train";                // the recipe table these came from, for messages

  // The metric's name, as evaluate() keys it and recipes spell it.
  const char* metric_name() const { return enum_name(kTrainingMetricNames, metric); }

  // Reads the trainer's keys from `in` (the caller reads its own keys and calls finish());
  // keys the table does not have keep their value in `defaults`.
  static TrainerOptions read(OptionsReader& in, const std::string& section,
                             const TrainerOptions& defaults);
  static TrainerOptions read(OptionsReader& in, const std::string& section) {
    return read(in, section, TrainerOptions{});
  }
  // Reads `table` (named `section` in messages): the trainer's keys and nothing else.
  static TrainerOptions from_toml(const toml::table& table, const std::string& section = "train");
  toml::table to_toml() const;
};

}  // namespace rubrika
