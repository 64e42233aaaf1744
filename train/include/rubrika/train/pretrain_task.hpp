// PretrainTask: masked-language-model training of an encoder as a TrainingTask, so the one
// Trainer gives it batching, AdamW, the schedule, mixed precision, checkpoints, resume and
// data-parallel workers.
//
// Each batch is masked when it is drawn, from a generator seeded by the run seed and the
// batch's examples: batches differ from epoch to epoch, so a text is masked afresh each epoch
// (dynamic masking); data-parallel workers mask their shares independently; a resumed run
// draws the masks an uninterrupted one would. The held-out texts are masked once, from the
// run seed, so every evaluation scores the same positions.
#pragma once

#include <rubrika/encoder.hpp>
#include <rubrika/masked_language_model.hpp>
#include <rubrika/train/pretrain_corpus.hpp>
#include <rubrika/train/token_masking.hpp>
#include <rubrika/train/training_task.hpp>

namespace rubrika {

class PretrainTask : public TrainingTask {
 public:
  // `encoder` and `model` are the same object (an encoder that is a MaskedLanguageModel).
  PretrainTask(Encoder& encoder, MaskedLanguageModel& model, TokenizedCorpus train,
               TokenizedCorpus held_out, MaskingVocabulary vocabulary, MaskingOptions masking,
               int64_t eval_batch_size, uint64_t seed);

  int64_t num_examples() const override { return train_.size(); }
  int64_t example_length(int64_t index) const override { return train_.length(index); }
  // Mean cross-entropy over the batch's chosen positions.
  torch::Tensor loss(const std::vector<int64_t>& batch) override;
  // "loss" (mean cross-entropy per masked token), "accuracy" (share of masked tokens
  // predicted exactly), "perplexity" (exp of the loss), over the held-out texts.
  std::map<std::string, double> evaluate() override;
  // The encoder's parameters, then the head's (named as in the saved checkpoint).
  NamedParameters named_parameters() override;
  void set_training(bool training) override { encoder_.set_training(training); }

 private:
  // Cross-entropy summed over the chosen positions, and how many were predicted right.
  std::pair<torch::Tensor, int64_t> score(const TokenBatch& batch, const MaskedTokens& masked);

  Encoder& encoder_;
  MaskedLanguageModel& model_;
  TokenizedCorpus train_, held_out_;
  MaskingVocabulary vocabulary_;
  MaskingOptions masking_;
  int64_t eval_batch_size_;
  uint64_t seed_;
  std::vector<MaskedTokens> held_out_masks_;  // one per evaluation batch, drawn once
};

}  // namespace rubrika
