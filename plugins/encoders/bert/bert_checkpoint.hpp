// Hugging Face BERT folders in and out: which checkpoint key feeds which parameter, what is
// missing or left over, and the save_pretrained layout.
#pragma once

#include "bert_model.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace rubrika::bert {

// What load_weights found besides the encoder.
struct LoadReport {
  std::string prefix;               // "bert." or "" (BertModel)
  std::vector<std::string> unused;  // keys that feed nothing (heads, buffers excluded)
  bool has_classifier = false;      // classifier.weight and classifier.bias present
  bool pooler_missing = false;      // BertForMaskedLM has no pooler: left as initialised
};

// The old TensorFlow name of a LayerNorm tensor ("….LayerNorm.weight" → "….LayerNorm.gamma",
// ".bias" → ".beta"), or "" for any other key.
std::string legacy_name(const std::string& key);

// Copies `tensors` (any float dtype; converted to the parameter's dtype) into `model`.
// Keys may carry the "bert." prefix or not; LayerNorm gamma/beta (old TensorFlow names) are
// accepted; "embeddings.position_ids" is ignored. Missing encoder weights or a shape
// mismatch throw rubrika::ArtifactError naming `source` and the keys; unused keys (other than
// classifier.* and the MLM head's cls.predictions.*) give one warning line; a missing pooler
// gives one warning line.
LoadReport load_weights(BertModel& model, const std::map<std::string, torch::Tensor>& tensors,
                        const std::string& source);

// Loads config.json and the weights file (model.safetensors or pytorch_model.bin) of `dir`.
// The model is on the CPU in fp32 and in evaluation mode.
struct LoadedBert {
  BertModel model{nullptr};
  LoadReport report;
  std::filesystem::path weights_file;
};
LoadedBert load_folder(const std::filesystem::path& dir, uint64_t seed = 42);

// The model's tensors under Hugging Face keys, on the CPU, fp32: "embeddings...." for a
// BertModel, or "bert.embeddings...." plus `extra` (e.g. classifier.weight/bias) when
// `extra` is not empty (BertForSequenceClassification or BertForMaskedLM layout).
std::map<std::string, torch::Tensor> state_dict(BertModel& model,
                                                const std::map<std::string, torch::Tensor>& extra);

// Writes a Hugging Face folder into `dir`, atomically (a temporary folder next to it, then
// renamed over it): config.json (architectures BertModel when `extra` is empty,
// BertForMaskedLM when it holds an MLM head's cls.predictions.*, else
// BertForSequenceClassification), model.safetensors, and whatever `write_tokenizer(dir)` adds
// (vocab.txt, tokenizer_config.json, special_tokens_map.json).
void save_folder(const std::filesystem::path& dir, BertModel& model, BertConfig config,
                 const std::map<std::string, torch::Tensor>& extra,
                 const std::function<void(const std::filesystem::path&)>& write_tokenizer);

}  // namespace rubrika::bert
