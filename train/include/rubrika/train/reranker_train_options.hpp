// RerankerTrainOptions: the recipe's [reranker_train] table — how pairs are mined from the
// classifier's confusions and how the cross-encoder is trained. Every key is documented in
// docs/recipes.md ([reranker] and [reranker_train]).
#pragma once

#include <rubrika/rerank/hard_negatives.hpp>
#include <rubrika/train/reranker_task.hpp>
#include <rubrika/train/trainer_options.hpp>

#include <toml++/toml.h>

#include <cstdint>
#include <vector>

namespace rubrika {

struct RerankerTrainOptions {
  MiningOptions mining;
  RerankerLoss loss = RerankerLoss::listwise;
  double pos_weight = 1.0;
  int64_t candidates = 5;       // classifier top-k the reranker rescores
  int64_t max_train_texts = 0;  // train on at most this many texts (seeded choice); 0 = all
  // [reranker_train.train]: the trainer's keys only (1 epoch, batch 16, lr 1e-4, metric mrr
  // unless given); a classifier key such as label_smoothing is an error, not ignored.
  TrainerOptions train;
  std::vector<double> fusion_weights = {0.0, 0.5, 1.0, 2.0};  // cascade weights tried

  // Reads [reranker_train] (absent: every default); `seed` seeds the mining. RecipeError
  // with file:line:col on an unknown key or a bad value.
  static RerankerTrainOptions read(const toml::table* table, uint64_t seed);
};

}  // namespace rubrika
