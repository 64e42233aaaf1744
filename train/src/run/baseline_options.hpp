// [baseline]: the tfidf + linear reference model trained beside the classifier (private to
// train/src). Every key is documented in docs/recipes.md.
#pragma once

#include <rubrika/train/trainer_options.hpp>

#include <toml++/toml.h>

namespace rubrika::detail {

struct BaselineOptions {
  bool enabled = true;  // false: the stage is skipped and metrics.json has no "baseline"
  // The tfidf keys of [baseline] (word_ngrams, char_ngrams, max_features, min_df,
  // sublinear_tf, lowercase, max_length), handed to the tfidf plugin, which checks values.
  toml::table encoder;
  // epochs (a cap), early_stopping_patience, early_stopping_threshold, learning_rate,
  // weight_decay from [baseline]; the rest fixed for a head on
  // frozen features (no length grouping: cached features cost the same per text).
  // train.batch_size is set by trainer_options().
  TrainerOptions train;
  int64_t batch_size = 0;  // texts per step; 0: auto (see trainer_options)

  // `train` with the batch size for `train_texts` texts: the configured one, or with
  // batch_size = 0 one 25th of the texts within [16, 256], so that small data sets still
  // get a few dozen optimiser steps and large ones do not pay an optimiser step per 32 texts.
  TrainerOptions trainer_options(size_t train_texts) const;

  // Reads [baseline] (absent: every default). Throws RecipeError with file:line:col on an
  // unknown key or a bad value of the keys read here.
  static BaselineOptions read(const toml::table* table);
};

}  // namespace rubrika::detail
