// BertConfig: the fields of a Hugging Face config.json that the BERT math uses.
#pragma once

#include <rubrika/enum_names.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rubrika::bert {

// The feed-forward activation of every layer.
enum class Activation {
  gelu,       // exact: 0.5·x·(1 + erf(x/√2))
  gelu_tanh,  // the tanh approximation (HF gelu_new, gelu_pytorch_tanh)
  relu,
  silu,  // x·sigmoid(x) (HF silu, swish)
};
// config.json's hidden_act names, Hugging Face's aliases included; the first name of a
// value is the one rubrika writes.
inline constexpr EnumName<Activation> kHiddenActNames[] = {
    {"gelu", Activation::gelu},
    {"gelu_new", Activation::gelu_tanh},
    {"gelu_pytorch_tanh", Activation::gelu_tanh},
    {"relu", Activation::relu},
    {"silu", Activation::silu},
    {"swish", Activation::silu}};

struct BertConfig {
  int64_t vocab_size = 30522;        // rows of the word embedding
  int64_t hidden_size = 768;         // width of every hidden state
  int64_t num_hidden_layers = 12;    // encoder layers
  int64_t num_attention_heads = 12;  // heads per layer; divides hidden_size
  int64_t intermediate_size = 3072;  // width of the feed-forward layer
  std::string hidden_act = "gelu";   // gelu (erf), gelu_new (tanh approximation), relu, silu
  double hidden_dropout_prob = 0.1;  // dropout after embeddings and dense layers (training)
  double attention_probs_dropout_prob = 0.1;  // dropout on attention weights (training)
  int64_t max_position_embeddings = 512;      // longest sequence, specials included
  int64_t type_vocab_size = 2;                // token type (segment) ids
  double layer_norm_eps = 1e-12;              // LayerNorm epsilon
  double initializer_range = 0.02;            // std of the normal initialisation
  int64_t pad_token_id = 0;                   // its embedding row starts at zero
  // Classification checkpoints: labels in id order (id2label), empty otherwise.
  std::vector<std::string> id2label;
  // "architectures"[0] when present, e.g. "BertForSequenceClassification".
  std::string architecture;

  int64_t head_size() const { return hidden_size / num_attention_heads; }
  // hidden_act as an Activation; ArtifactError (where = `source`) for an unknown name.
  Activation activation(const std::string& source = "config.json") const;

  // Throws rubrika::ArtifactError (where = `source`) when a value is out of range or
  // unsupported (hidden_size not divisible by heads, unknown activation...).
  void validate(const std::string& source) const;

  // Parses config.json. Unknown fields are ignored; a missing field keeps its default
  // (as BertConfig does). Throws ArtifactError naming the file and field on bad JSON, a
  // wrong type, model_type other than "bert", or position_embedding_type other than
  // "absolute".
  static BertConfig from_file(const std::filesystem::path& file);
  static BertConfig from_json_text(const std::string& text, const std::string& source);

  // config.json text in Hugging Face's layout (sorted keys, 2-space indent), loadable by
  // transformers.BertConfig.
  std::string to_json_text() const;
};

}  // namespace rubrika::bert
