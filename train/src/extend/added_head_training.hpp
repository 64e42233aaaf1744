// Training the head of an extension's added labels on cached features, with the run's other
// head parts frozen.
//
// Multi-label: binary cross-entropy on the added labels' columns alone, each text counting
// for the labels whose truth is known. Single-label: cross-entropy over every column of the
// extended softmax, so the added rows learn where they must stay below the frozen old ones.
// The epoch with the lowest validation loss is kept (early stopping after `patience`).
#pragma once

#include "extend_texts.hpp"
#include "feature_table.hpp"

#include <rubrika/extended_head.hpp>
#include <rubrika/long_text.hpp>

#include <nlohmann/json.hpp>

namespace rubrika::detail {

struct AddedHeadTraining {
  ExtendedHead& head;  // its trainable part is the one trained
  const FeatureTable& features;
  const ExtendTexts& texts;
  std::vector<int64_t> added_columns;  // the added labels' columns in the run's labels
  WindowPool pool = WindowPool::max;   // the parent's [long_text] pool
  const ExtendOptions& options;
  torch::Device device = c10::kCPU;
};

// Trains; returns {"epochs", "best_epoch", "train_rows", "validation_rows",
// "best_validation_loss", "history": [{"epoch", "train_loss", "validation_loss"}], "seconds"}.
nlohmann::json train_added_head(const AddedHeadTraining& job);

}  // namespace rubrika::detail
