// ClassifierTask: fine-tunes an encoder + head on labelled texts (the `classifier` stage).
//
// Full fine-tuning runs the encoder on every batch; with a frozen encoder the encoder's
// features are computed once (in evaluation mode) and cached, and only the head trains.
// The cache holds only the vector the head reads (Head::feature_source()), or cls, pooled
// and mean when the head does not say.
//
// With [long_text] mode = "windows" (ClassifierTaskOptions::long_text) every text is read as
// overlapping windows (Encoder::tokenize_windows): the head runs on each window and
// pool_windows() gives the text's logits before the loss and the metrics; the cache then
// holds one row per window.
#pragma once

#include <rubrika/encoder.hpp>
#include <rubrika/head.hpp>
#include <rubrika/long_text.hpp>
#include <rubrika/train/loss.hpp>
#include <rubrika/train/trainer_options.hpp>
#include <rubrika/train/training_task.hpp>

#include <functional>
#include <string>
#include <vector>

namespace rubrika {

// Labelled texts, already normalised. Single-label: labels[i] is a class id. Multi-label:
// multi_hot[i] holds num_labels 0/1 values and labels is empty.
struct LabelledTexts {
  std::vector<std::string> texts;
  std::vector<int64_t> labels;
  std::vector<std::vector<float>> multi_hot;
  size_t size() const { return texts.size(); }
};

// The classifier's own keys of the [train] table.
struct ClassifierTaskOptions {
  bool freeze_encoder = false;   // head only, on cached features
  int64_t eval_batch_size = 64;  // texts per forward pass in evaluate()
  LossOptions loss;              // loss, label_smoothing, focal_gamma, class_weights
  LongTextOptions long_text;     // from the recipe's [long_text] (set by the stage, not [train])

  // Reads freeze_encoder and the loss keys from `in` (the [train] table).
  static ClassifierTaskOptions read(OptionsReader& in);
  void write(toml::table& out) const;
};

// The recipe's [train] table, read once: the trainer's keys and the classifier's own
// (freeze_encoder, the loss); any other key is a RecipeError at its file:line:col. Used by
// the classifier stage and by `rubrika recipe check`.
struct ClassifierTraining {
  TrainerOptions trainer;
  ClassifierTaskOptions task;

  static ClassifierTraining from_toml(const toml::table& table);
};

class ClassifierTask : public TrainingTask {
 public:
  ClassifierTask(Encoder& encoder, Head& head, LabelledTexts train, LabelledTexts validation,
                 ClassifierTaskOptions options);

  int64_t num_examples() const override;
  int64_t example_length(int64_t index) const override;
  torch::Tensor loss(const std::vector<int64_t>& batch) override;
  // accuracy, macro_f1, micro_f1 (multi-label), loss on the validation texts.
  std::map<std::string, double> evaluate() override;
  NamedParameters named_parameters() override;
  void set_training(bool training) override;

 private:
  // Per-text logits [rows, labels] of texts[rows]: the head on the encoder's output, or on
  // the cache when `cached_train`. With [long_text] windows the head reads every window and
  // pool_windows() gives each text's logits.
  torch::Tensor logits(const std::vector<std::string>& texts, const std::vector<int64_t>& rows,
                       bool cached_train);
  // Cached vectors of training texts `rows`: one row each, or with windows every window
  // of each, `text_of_row` then saying which of `rows` (0..rows-1) a row belongs to.
  EncoderOutput encode_cached(const std::vector<int64_t>& rows, torch::Tensor& text_of_row) const;
  // What the encoder reads for `texts`: tokenize(), or tokenize_windows() with windows.
  WindowedBatch tokenize(const std::vector<std::string>& texts) const;
  torch::Tensor targets(const LabelledTexts& data, const std::vector<int64_t>& rows) const;
  void cache_features();
  // Tokenises the training texts for their lengths (and window counts) alone.
  void record_lengths();
  // Appends the real token count of every text of `batch` (all its windows) to lengths_
  // for length grouping and, with windows, where each text's rows end to row_begin_.
  void append_lengths(const WindowedBatch& batch);

  Encoder& encoder_;
  Head& head_;
  LabelledTexts train_;
  LabelledTexts validation_;
  ClassifierTaskOptions options_;
  std::vector<int64_t> lengths_;
  torch::Tensor class_weights_;
  EncoderOutput cached_;  // frozen encoder: features of every training text, on the device
  // With windows, cached_ holds a row per window, text i's rows being
  // [row_begin_[i], row_begin_[i + 1]); row_begin_.back() is the number of windows.
  std::vector<int64_t> row_begin_;
};

}  // namespace rubrika
