#include "bert_config.hpp"

#include <rubrika/error.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

namespace rubrika::bert {

namespace {

using json = nlohmann::ordered_json;

template <class T>
void read_field(const json& j, const char* key, T& value, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    value = it->get<T>();
  } catch (const json::exception&) {
    throw ArtifactError(std::string("field \"") + key + "\" has the wrong type: " + it->dump(),
                        source, "fix config.json");
  }
}

std::vector<std::string> read_labels(const json& j, const std::string& source) {
  auto it = j.find("id2label");
  if (it == j.end() || !it->is_object()) return {};
  std::vector<std::string> labels(it->size());
  for (const auto& [key, value] : it->items()) {
    size_t id = 0;
    try {
      id = std::stoul(key);
    } catch (const std::exception&) {
      id = labels.size();
    }
    if (id >= labels.size() || !value.is_string())
      throw ArtifactError("id2label entry \"" + key + "\" is not a label id 0..N-1 with a name",
                          source, "fix config.json");
    labels[id] = value.get<std::string>();
  }
  return labels;
}

}  // namespace

Activation BertConfig::activation(const std::string& source) const {
  if (auto known = enum_value(kHiddenActNames, hidden_act)) return *known;
  std::string names;
  for (const auto& name : enum_names(kHiddenActNames)) names += (names.empty() ? "" : ", ") + name;
  throw ArtifactError("hidden_act \"" + hidden_act + "\" is not supported (" + names + ")", source,
                      "fix the BERT configuration");
}

void BertConfig::validate(const std::string& source) const {
  auto bad = [&](const std::string& what) {
    throw ArtifactError(what, source, "fix the BERT configuration");
  };
  if (vocab_size < 1 || hidden_size < 1 || num_hidden_layers < 1 || num_attention_heads < 1 ||
      intermediate_size < 1 || max_position_embeddings < 1 || type_vocab_size < 1)
    bad("sizes must be positive");
  if (hidden_size % num_attention_heads != 0)
    bad("hidden_size " + std::to_string(hidden_size) +
        " is not a multiple of num_attention_heads " + std::to_string(num_attention_heads));
  (void)activation(source);
  if (hidden_dropout_prob < 0 || hidden_dropout_prob >= 1 || attention_probs_dropout_prob < 0 ||
      attention_probs_dropout_prob >= 1)
    bad("dropout probabilities must lie in [0, 1)");
  if (layer_norm_eps <= 0) bad("layer_norm_eps must be positive");
  if (pad_token_id < 0 || pad_token_id >= vocab_size)
    bad("pad_token_id " + std::to_string(pad_token_id) + " is outside the vocabulary");
}

BertConfig BertConfig::from_json_text(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw ArtifactError(std::string("config is not valid JSON: ") + e.what(), source,
                        "fix or re-download config.json");
  }
  if (!j.is_object()) throw ArtifactError("config is not a JSON object", source);
  std::string model_type = "bert", position_type = "absolute";
  read_field(j, "model_type", model_type, source);
  read_field(j, "position_embedding_type", position_type, source);
  if (model_type != "bert")
    throw ArtifactError("model_type \"" + model_type + "\" is not \"bert\"", source,
                        "the bert encoder loads BERT checkpoints only");
  if (position_type != "absolute")
    throw ArtifactError("position_embedding_type \"" + position_type + "\" is not supported",
                        source, "only absolute position embeddings are implemented");
  BertConfig c;
  read_field(j, "vocab_size", c.vocab_size, source);
  read_field(j, "hidden_size", c.hidden_size, source);
  read_field(j, "num_hidden_layers", c.num_hidden_layers, source);
  read_field(j, "num_attention_heads", c.num_attention_heads, source);
  read_field(j, "intermediate_size", c.intermediate_size, source);
  read_field(j, "hidden_act", c.hidden_act, source);
  read_field(j, "hidden_dropout_prob", c.hidden_dropout_prob, source);
  read_field(j, "attention_probs_dropout_prob", c.attention_probs_dropout_prob, source);
  read_field(j, "max_position_embeddings", c.max_position_embeddings, source);
  read_field(j, "type_vocab_size", c.type_vocab_size, source);
  read_field(j, "layer_norm_eps", c.layer_norm_eps, source);
  read_field(j, "initializer_range", c.initializer_range, source);
  read_field(j, "pad_token_id", c.pad_token_id, source);
  c.id2label = read_labels(j, source);
  auto arch = j.find("architectures");
  if (arch != j.end() && arch->is_array() && !arch->empty() && (*arch)[0].is_string())
    c.architecture = (*arch)[0].get<std::string>();
  c.validate(source);
  return c;
}

BertConfig BertConfig::from_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw ArtifactError("cannot read config.json", file.string(),
                        "point to a Hugging Face BERT folder (config.json, vocab.txt, weights)");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return from_json_text(text, file.string());
}

std::string BertConfig::to_json_text() const {
  nlohmann::json j;  // sorted keys, as save_pretrained writes them
  j["architectures"] = {architecture.empty() ? "BertModel" : architecture};
  j["attention_probs_dropout_prob"] = attention_probs_dropout_prob;
  j["classifier_dropout"] = nullptr;
  j["hidden_act"] = hidden_act;
  j["hidden_dropout_prob"] = hidden_dropout_prob;
  j["hidden_size"] = hidden_size;
  j["initializer_range"] = initializer_range;
  j["intermediate_size"] = intermediate_size;
  j["layer_norm_eps"] = layer_norm_eps;
  j["max_position_embeddings"] = max_position_embeddings;
  j["model_type"] = "bert";
  j["num_attention_heads"] = num_attention_heads;
  j["num_hidden_layers"] = num_hidden_layers;
  j["pad_token_id"] = pad_token_id;
  j["position_embedding_type"] = "absolute";
  j["torch_dtype"] = "float32";
  j["type_vocab_size"] = type_vocab_size;
  j["use_cache"] = true;
  j["vocab_size"] = vocab_size;
  if (!id2label.empty()) {
    for (size_t i = 0; i < id2label.size(); ++i) {
      j["id2label"][std::to_string(i)] = id2label[i];
      j["label2id"][id2label[i]] = i;
    }
  }
  return j.dump(2) + "\n";
}

}  // namespace rubrika::bert
