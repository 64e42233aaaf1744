// Head: encoder output → logits.
//
// A single-label head's logits go through softmax; a multi-label head's through a
// per-label sigmoid. The head chooses which encoder vector it reads (CLS, pooled, mean).
// The training loss is not the head's: it is chosen by the recipe's [train] table and
// computed by the trainer (train/include/rubrika/train/loss.hpp) from forward()'s logits
// and task(), so a new loss knob needs no plugin change.
//
// First plugins: `linear` (Hugging Face BertForSequenceClassification-compatible),
// `mlp`, `multilabel`.
#pragma once

#include <rubrika/component.hpp>
#include <rubrika/types.hpp>

#include <filesystem>
#include <optional>

namespace rubrika {

enum class TaskType { single_label, multi_label };

class Head : public Component, public Trainable {
 public:
  // Logits [batch, num_labels].
  virtual torch::Tensor forward(const EncoderOutput& encoded) = 0;

  // Uncalibrated probabilities from logits: softmax or sigmoid, [batch, num_labels].
  virtual torch::Tensor probabilities(const torch::Tensor& logits) const;

  // The one encoder vector forward() reads (its `features` option), so that training with
  // a frozen encoder caches that vector alone: for a wide encoder such as `tfidf` the
  // other two would triple the memory. nullopt (the default) when the head reads several
  // or does not say; then cls, pooled and mean are all kept.
  virtual std::optional<FeatureSource> feature_source() const;

  virtual TaskType task() const = 0;
  virtual int64_t num_labels() const = 0;

  // Weights as one file (safetensors for the built-in heads), written atomically.
  virtual void save(const std::filesystem::path& file) const = 0;
};

}  // namespace rubrika
