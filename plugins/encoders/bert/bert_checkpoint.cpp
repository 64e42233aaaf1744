#include "bert_checkpoint.hpp"

#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/io/checkpoint.hpp>
#include <rubrika/io/safetensors.hpp>
#include <rubrika/log.hpp>

#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace rubrika::bert {

namespace {

constexpr const char* kLog = "encoder/bert";

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// "a.b.c.weight" → "a.b.c.gamma" style names written by TensorFlow-era checkpoints.

std::string list_some(const std::vector<std::string>& names, size_t most = 6) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < most; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > most) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

// "cls.predictions.bias" → "cls.predictions.*", for one short warning line.
std::string key_group(const std::string& key) {
  size_t first = key.find('.');
  if (first == std::string::npos) return key;
  size_t second = key.find('.', first + 1);
  return key.substr(0, second == std::string::npos ? first : second) + ".*";
}

std::string prefix_of(const std::map<std::string, torch::Tensor>& tensors) {
  for (const auto& [key, tensor] : tensors)
    if (starts_with(key, "bert.embeddings.") || starts_with(key, "bert.encoder.")) return "bert.";
  return "";
}

}  // namespace

std::string legacy_name(const std::string& key) {
  if (key.find("LayerNorm.") == std::string::npos) return {};
  if (key.size() > 7 && key.compare(key.size() - 7, 7, ".weight") == 0)
    return key.substr(0, key.size() - 7) + ".gamma";
  if (key.size() > 5 && key.compare(key.size() - 5, 5, ".bias") == 0)
    return key.substr(0, key.size() - 5) + ".beta";
  return {};
}

LoadReport load_weights(BertModel& model, const std::map<std::string, torch::Tensor>& tensors,
                        const std::string& source) {
  LoadReport report;
  report.prefix = prefix_of(tensors);
  std::set<std::string> used = {report.prefix + "embeddings.position_ids"};
  std::vector<std::string> missing, pooler_missing;
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& parameter = item.value();
    auto found = tensors.find(report.prefix + name);
    if (found == tensors.end()) found = tensors.find(report.prefix + legacy_name(name));
    if (found == tensors.end()) {
      (starts_with(name, "pooler.") ? pooler_missing : missing).push_back(report.prefix + name);
      continue;
    }
    if (found->second.sizes() != parameter.sizes())
      throw ArtifactError("tensor '" + found->first + "' has shape " +
                              c10::str(found->second.sizes()) + " but config.json implies " +
                              c10::str(parameter.sizes()),
                          source, "config.json and the weights belong to different models");
    if (!found->second.is_floating_point())
      throw ArtifactError("tensor '" + found->first + "' is not floating point", source);
    parameter.copy_(found->second);  // converts fp16/bf16/fp64 and moves to the device
    used.insert(found->first);
  }
  if (!missing.empty())
    throw ArtifactError("missing encoder weights: " + list_some(missing), source,
                        "the checkpoint is not a BERT model, or config.json does not match it");
  if (!pooler_missing.empty()) {
    report.pooler_missing = true;
    log_warn(kLog, source + ": no pooler weights (" + list_some(pooler_missing) +
                       "); the pooled output is freshly initialised, as in Hugging Face");
  }
  report.has_classifier = tensors.count("classifier.weight") && tensors.count("classifier.bias");
  std::map<std::string, int> groups;
  for (const auto& [key, tensor] : tensors) {
    if (used.count(key)) continue;
    if (report.has_classifier && starts_with(key, "classifier.")) continue;
    report.unused.push_back(key);
    // A masked-language-model head (BertForMaskedLM, or rubrika's [pretrain] output) is
    // expected beside an encoder: not worth a warning.
    if (starts_with(key, "cls.predictions.")) continue;
    ++groups[key_group(key)];
  }
  if (!groups.empty()) {
    std::ostringstream line;
    int unused = 0;
    for (const auto& [group, count] : groups) unused += count;
    line << source << ": " << unused << " tensors not used by the encoder:";
    for (const auto& [group, count] : groups) line << " " << group << " (" << count << ")";
    log_warn(kLog, line.str());
  }
  return report;
}

LoadedBert load_folder(const fs::path& dir, uint64_t seed) {
  if (!fs::is_directory(dir))
    throw ArtifactError("not a folder", dir.string(),
                        "point to a Hugging Face BERT folder (config.json, vocab.txt, weights)");
  BertConfig config = BertConfig::from_file(dir / "config.json");
  LoadedBert loaded;
  loaded.model = BertModel(config);
  loaded.model->init_weights(seed);  // only a missing pooler keeps these values
  loaded.weights_file = find_weights_file(dir);
  const auto tensors = read_checkpoint(loaded.weights_file);
  loaded.report = load_weights(loaded.model, tensors, loaded.weights_file.string());
  loaded.model->eval();
  return loaded;
}

std::map<std::string, torch::Tensor> state_dict(BertModel& model,
                                                const std::map<std::string, torch::Tensor>& extra) {
  const std::string prefix = extra.empty() ? "" : "bert.";
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : model->named_parameters())
    out[prefix + item.key()] = item.value().detach().to(torch::kCPU, torch::kFloat).contiguous();
  for (const auto& [name, tensor] : extra)
    out[name] = tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
  return out;
}

void save_folder(const fs::path& dir, BertModel& model, BertConfig config,
                 const std::map<std::string, torch::Tensor>& extra,
                 const std::function<void(const fs::path&)>& write_tokenizer) {
  const bool masked_lm = extra.count("cls.predictions.bias") > 0;
  config.architecture = extra.empty() ? "BertModel"
                        : masked_lm   ? "BertForMaskedLM"
                                      : "BertForSequenceClassification";
  if (extra.empty() || masked_lm) config.id2label.clear();
  AtomicDirectory staged(dir);
  {
    AtomicFileWriter config_file(staged.path() / "config.json");
    config_file.stream() << config.to_json_text();
    config_file.commit();
  }
  save_safetensors(staged.path() / "model.safetensors", state_dict(model, extra),
                   {{"format", "pt"}});
  if (write_tokenizer) write_tokenizer(staged.path());
  staged.commit();
}

}  // namespace rubrika::bert
