// MaskedLanguageModel: an encoder that can also learn to fill in masked tokens (BERT's
// masked-language-model head), which the [pretrain] stage of `rubrika train` trains on the
// recipe's own texts before the classifier is fine-tuned.
//
// An Encoder plugin offers it by deriving from this class too (as `bert` does); the stage
// finds it with dynamic_cast, so an encoder without it (tfidf) is refused by name. The head
// is the plugin's: it knows its checkpoint layout, reads a head the source model already has
// (rubert checkpoints ship theirs) and writes it back beside the encoder.
#pragma once

#include <rubrika/component.hpp>
#include <rubrika/types.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {

class MaskedLanguageModel {
 public:
  virtual ~MaskedLanguageModel() = default;

  // The tokenizer's vocabulary in id order: what masking draws replacement tokens from and
  // what tells specials and word continuations ("##…") apart.
  virtual std::vector<std::string> vocabulary_tokens() const = 0;

  // Scores of every vocabulary token, [n, vocabulary size] fp32, at the n positions where
  // `predict` ([batch, seq] bool, on the CPU or the model's device) is true, row by row. The
  // output embedding is the input embedding (tied), as in BERT. Runs in the current mode
  // (training or evaluation) with gradients as the caller's mode allows.
  virtual torch::Tensor masked_token_logits(const TokenBatch& batch,
                                            const torch::Tensor& predict) = 0;

  // The head's own parameters (the tied embedding is the encoder's, so not among them),
  // named as in the saved checkpoint.
  virtual NamedParameters masked_lm_head_parameters() = 0;

  // Writes the encoder and its head into `dir`, atomically, as a model that loads back as
  // this encoder (the head is then ignored) and, for `bert`, in Python transformers as
  // BertForMaskedLM.
  virtual void save_with_masked_lm_head(const std::filesystem::path& dir) const = 0;
};

}  // namespace rubrika
