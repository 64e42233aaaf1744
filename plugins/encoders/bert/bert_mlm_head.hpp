// BERT's masked-language-model head, module for module as Hugging Face's BertOnlyMLMHead,
// with the checkpoint keys of a BertForMaskedLM:
//   cls.predictions.transform.dense.{weight,bias}       [hidden, hidden], [hidden]
//   cls.predictions.transform.LayerNorm.{weight,bias}   [hidden]
//   cls.predictions.bias                                [vocab]
// logits = LayerNorm(act(h·Wᵀ + b)) · Eᵀ + bias, where E is the encoder's word embedding
// (tied: cls.predictions.decoder.weight is E, so it is neither trained nor saved twice).
#pragma once

#include "bert_config.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>

namespace rubrika::bert {

class BertMlmHeadImpl : public torch::nn::Module {
 public:
  explicit BertMlmHeadImpl(const BertConfig& config);

  // hidden [n, hidden] (or [..., hidden]), word_embeddings [vocab, hidden] → [..., vocab].
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& word_embeddings);

  // Hugging Face's _init_weights: dense ~ N(0, initializer_range), biases 0, LayerNorm 1/0.
  void init_weights(double initializer_range, uint64_t seed);

  // The parameters under their checkpoint keys ("cls.predictions.…"), sharing storage.
  std::map<std::string, torch::Tensor> checkpoint_tensors() const;
  // Copies the head's keys of `tensors` in. False (nothing copied) when a checkpoint has no
  // head; ArtifactError naming `source` when it has part of one or a shape differs.
  bool load(const std::map<std::string, torch::Tensor>& tensors, const std::string& source);

  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  torch::Tensor bias;

 private:
  Activation activation_;
};
TORCH_MODULE(BertMlmHead);

}  // namespace rubrika::bert
