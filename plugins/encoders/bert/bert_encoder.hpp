// The `bert` encoder plugin: any Hugging Face BERT folder (or a fresh model from a config)
// behind rubrika::Encoder, with its own WordPiece tokenizer.
//
// Recipe:
//   [encoder]
//   type = "bert"
//   model = "models/rubert-tiny2"      # a Hugging Face folder, or instead:
//   # [encoder.init] vocab = "models/rubert-tiny2", hidden_size = 312, ...
//   max_length = 512
//   dtype = "fp32"                     # or "bf16" / "fp16" (CUDA) for inference
// When the host says ArtifactUse::load (a trained run folder), the model is loaded from
// PluginContext::artifact instead.
#pragma once

#include "bert_mlm_head.hpp"
#include "bert_model.hpp"

#include <rubrika/encoder.hpp>
#include <rubrika/long_text.hpp>
#include <rubrika/masked_language_model.hpp>
#include <rubrika/mixed_precision.hpp>
#include <rubrika/text/bert_tokenizer.hpp>

#include <toml++/toml.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace rubrika::bert {

// Also a MaskedLanguageModel: its MLM head is made on first use, from the source folder's
// cls.predictions.* when the folder has them (rubert checkpoints do), else initialised as
// Hugging Face initialises one; it then trains and saves with the encoder.
class BertEncoderPlugin : public rubrika::Encoder, public rubrika::MaskedLanguageModel {
 public:
  // A new model with Hugging Face's initialisation ([encoder.init]).
  struct InitOptions {
    std::filesystem::path vocab;  // vocab.txt, or a folder with vocab.txt (+ tokenizer_config.json)
    bool do_lower_case = false;   // only used when `vocab` is a file
    int64_t hidden_size = 768;    // width of hidden states
    int64_t num_hidden_layers = 12;            // encoder layers
    int64_t num_attention_heads = 12;          // heads; must divide hidden_size
    int64_t intermediate_size = 3072;          // feed-forward width
    int64_t max_position_embeddings = 512;     // longest sequence
    int64_t type_vocab_size = 2;               // segment ids
    Activation hidden_act = Activation::gelu;  // gelu | gelu_new | relu | silu
    double dropout = 0.1;                      // hidden_dropout_prob
    double attention_dropout = 0.1;            // attention_probs_dropout_prob
    double initializer_range = 0.02;           // std of the normal initialisation
    double layer_norm_eps = 1e-12;             // LayerNorm epsilon
    static InitOptions from_toml(const toml::table& table);
  };

  struct Options {
    std::filesystem::path model;        // Hugging Face folder; exclusive with `init`
    std::optional<InitOptions> init;    // fresh model; exclusive with `model`
    int64_t max_length = 512;           // tokens per text (pair), specials included
    Precision dtype = Precision::fp32;  // inference precision: fp32 | bf16 | fp16 (CUDA)
    int64_t pad_to_multiple_of = 0;     // round padded length up to this (0: off)
    static Options from_toml(const toml::table& table);
  };

  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "BERT (Hugging Face checkpoints: safetensors or pytorch_model.bin, saved back in HF layout)";

  BertEncoderPlugin(const PluginContext& context, Options options);

  TokenBatch tokenize(const std::vector<std::string>& texts,
                      const std::vector<std::string>* pairs = nullptr) const override;
  // Windows of at most max_length tokens, [CLS] and [SEP] included, from
  // BertTokenizer::encode_windows; a text that fits gives one window equal to tokenize()'s.
  WindowedBatch tokenize_windows(const std::vector<std::string>& texts,
                                 int64_t stride) const override;
  // Callers serving requests wrap this in c10::InferenceMode (the pipeline and the CLI do);
  // the encoder does not force it, so a trainable head may take its outputs.
  EncoderOutput forward(const TokenBatch& batch, bool output_hidden_states = false) override;
  int64_t hidden_size() const override { return model_->config().hidden_size; }
  int64_t max_length() const override { return options_.max_length; }
  void save(const std::filesystem::path& dir) const override;

  NamedParameters named_parameters() override;
  void set_training(bool training) override;
  void to(const torch::Device& device) override;

  std::vector<std::string> vocabulary_tokens() const override { return tokenizer_->vocab(); }
  torch::Tensor masked_token_logits(const TokenBatch& batch, const torch::Tensor& predict) override;
  NamedParameters masked_lm_head_parameters() override;
  void save_with_masked_lm_head(const std::filesystem::path& dir) const override;

  BertModel& model() { return model_; }
  const BertTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  void load_from(const std::filesystem::path& dir, uint64_t seed);
  void init_from(const InitOptions& init, uint64_t seed);
  // The model forward() runs: model_ itself, or its bf16 copy for CPU bf16 inference.
  BertModel& inference_model();
  void warn_if_bf16_is_emulated() const;
  // Encodings as one right-padded batch, honouring pad_to_multiple_of.
  TokenBatch pad(const std::vector<Encoding>& encodings) const;
  // The MLM head, made on first use (see the class comment).
  BertMlmHead& mlm_head();
  void save_folder_with(const std::filesystem::path& dir,
                        const std::map<std::string, torch::Tensor>& extra) const;

  Options options_;
  torch::Device device_;
  BertModel model_{nullptr};
  BertModel bf16_model_{nullptr};  // CPU bf16 inference copy; reset when training starts
  std::unique_ptr<BertTokenizer> tokenizer_;
  bool training_ = false;
  std::filesystem::path source_folder_;  // the folder the weights came from; empty for init
  uint64_t seed_ = 42;
  BertMlmHead mlm_head_{nullptr};
};

}  // namespace rubrika::bert
