// BERT in libtorch, module for module as Hugging Face's modeling_bert.py, so that
// named_parameters() are exactly the checkpoint keys of a BertModel:
//   embeddings.{word,position,token_type}_embeddings.weight, embeddings.LayerNorm.*,
//   encoder.layer.N.attention.self.{query,key,value}.*, encoder.layer.N.attention.output.
//   {dense,LayerNorm}.*, encoder.layer.N.intermediate.dense.*, encoder.layer.N.output.
//   {dense,LayerNorm}.*, pooler.dense.*
// Every linear layer computes y = x·Wᵀ + b with W [out, in].
#pragma once

#include "bert_config.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace rubrika::bert {

// The padding mask in the two forms the layers use.
struct AttentionMask {
  torch::Tensor bias;                // [batch, 1, 1, seq]: 0, or the dtype's lowest where padded
  std::vector<int64_t> key_lengths;  // tokens per row for CPU fp32 inference over a right-padded
                                     // batch (see right_padded_lengths); empty otherwise
};

// `activation` applied elementwise to x (the feed-forward layers and the MLM head's transform).
torch::Tensor activate(const torch::Tensor& x, Activation activation);

// Word + position + token type embeddings, then LayerNorm and dropout.
class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit BertEmbeddingsImpl(const BertConfig& config);
  // input_ids, token_type_ids: [batch, seq] int64 → [batch, seq, hidden]
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);

  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr},
      token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};  // NOLINT: the Hugging Face key is "LayerNorm"
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(BertEmbeddings);

// Multi-head scaled dot-product self-attention with an additive padding mask.
class BertSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit BertSelfAttentionImpl(const BertConfig& config);
  // hidden: [batch, seq, hidden]; mask_bias: [batch, 1, 1, seq] (0 or the dtype's lowest)
  // → context [batch, seq, hidden]
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& mask_bias);

  // The [3·hidden, hidden] weight and [3·hidden] bias of Q, K and V side by side, for
  // inference; rebuilt when a weight changes.
  std::pair<torch::Tensor, torch::Tensor> fused_qkv();
  int64_t heads() const { return heads_; }

  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
  torch::nn::Dropout dropout{nullptr};

 private:
  // q, k, v: [batch, seq, hidden] (any strides) → [batch, seq, hidden]
  torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const torch::Tensor& mask_bias);
  void refresh_fused();
  int64_t heads_, head_size_;
  torch::Tensor fused_weight_, fused_bias_;
  std::vector<int64_t> fused_versions_;
};
TORCH_MODULE(BertSelfAttention);

// dense → dropout → LayerNorm(· + residual): BertSelfOutput and BertOutput alike.
class BertDenseNormImpl : public torch::nn::Module {
 public:
  BertDenseNormImpl(int64_t in, const BertConfig& config);
  // x: [batch, seq, in], residual: [batch, seq, hidden] → [batch, seq, hidden]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(BertDenseNorm);

class BertAttentionImpl : public torch::nn::Module {
 public:
  explicit BertAttentionImpl(const BertConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& mask_bias);

  BertSelfAttention self{nullptr};
  BertDenseNorm output{nullptr};
};
TORCH_MODULE(BertAttention);

// dense + activation (hidden → intermediate).
class BertIntermediateImpl : public torch::nn::Module {
 public:
  explicit BertIntermediateImpl(const BertConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden);
  // Inference on 2-D input [tokens, hidden] → [tokens, intermediate], bias and GELU/ReLU fused
  // into the GEMM where libtorch has that (_addmm_activation).
  torch::Tensor forward_2d(const torch::Tensor& hidden);

  torch::nn::Linear dense{nullptr};

 private:
  Activation activation_;
};
TORCH_MODULE(BertIntermediate);

class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const BertConfig& config);
  // [batch, seq, hidden] → [batch, seq, hidden]; the CPU inference path when
  // mask.key_lengths is set, the module path otherwise.
  torch::Tensor forward(const torch::Tensor& hidden, const AttentionMask& mask);

  BertAttention attention{nullptr};
  BertIntermediate intermediate{nullptr};
  BertDenseNorm output{nullptr};

 private:
  // The same layer for CPU fp32 inference in fewer passes: GEMMs on 2-D views with the bias
  // fused in, attention without permute copies (attention_by_head).
  torch::Tensor forward_cpu_inference(const torch::Tensor& hidden,
                                      const std::vector<int64_t>& key_lengths);
};
TORCH_MODULE(BertLayer);

class BertEncoderImpl : public torch::nn::Module {
 public:
  explicit BertEncoderImpl(const BertConfig& config);
  // Appends each layer's output to `all` when it is not null.
  torch::Tensor forward(torch::Tensor hidden, const AttentionMask& mask,
                        std::vector<torch::Tensor>* all);

  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(BertEncoder);

// tanh(dense(hidden[:, 0])).
class BertPoolerImpl : public torch::nn::Module {
 public:
  explicit BertPoolerImpl(const BertConfig& config);
  // [batch, seq, hidden] → [batch, hidden]
  torch::Tensor forward(const torch::Tensor& hidden);

  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(BertPooler);

struct BertModelOutput {
  torch::Tensor last_hidden_state;           // [batch, seq, hidden]
  torch::Tensor pooled;                      // [batch, hidden]
  std::vector<torch::Tensor> hidden_states;  // embeddings + each layer, when asked for
};

class BertModelImpl : public torch::nn::Module {
 public:
  explicit BertModelImpl(const BertConfig& config);
  // input_ids, attention_mask, token_type_ids: [batch, seq] int64 on the model's device.
  BertModelOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                          const torch::Tensor& token_type_ids, bool output_hidden_states = false);

  // Hugging Face's _init_weights: Linear/Embedding weights ~ N(0, initializer_range), biases
  // 0, the padding row 0, LayerNorm weight 1 and bias 0. Deterministic for a given seed.
  void init_weights(uint64_t seed);

  const BertConfig& config() const { return config_; }

  BertEmbeddings embeddings{nullptr};
  BertEncoder encoder{nullptr};
  BertPooler pooler{nullptr};

 private:
  BertConfig config_;
};
TORCH_MODULE(BertModel);

// Additive attention mask as Hugging Face builds it: 0 where attention_mask is 1, the
// lowest finite value of `dtype` where it is 0. [batch, seq] → [batch, 1, 1, seq]
torch::Tensor additive_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype);

}  // namespace rubrika::bert
