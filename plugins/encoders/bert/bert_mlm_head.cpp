#include "bert_mlm_head.hpp"

#include "bert_checkpoint.hpp"
#include "bert_model.hpp"

#include <rubrika/error.hpp>

namespace rubrika::bert {

namespace {

// Module parameter name → checkpoint key.
std::string checkpoint_key(const std::string& name) {
  return "cls.predictions." + (name == "bias" ? name : "transform." + name);
}

}  // namespace

BertMlmHeadImpl::BertMlmHeadImpl(const BertConfig& c) : activation_(c.activation()) {
  dense = register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
  layer_norm = register_module(
      "LayerNorm",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  bias = register_parameter("bias", torch::zeros({c.vocab_size}));
}

torch::Tensor BertMlmHeadImpl::forward(const torch::Tensor& hidden,
                                       const torch::Tensor& word_embeddings) {
  // Under autocast the dense layer gives bf16/fp16; LayerNorm runs in its weights' fp32, as
  // autocast runs layer_norm on CUDA (the CPU autocast of libtorch 1.13 leaves it alone).
  const torch::Tensor activated = activate(dense(hidden), activation_);
  const torch::Tensor transformed = layer_norm(activated.to(layer_norm->weight.scalar_type()));
  return torch::nn::functional::linear(transformed, word_embeddings, bias);
}

void BertMlmHeadImpl::init_weights(double initializer_range, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  dense->weight.copy_(
      at::normal(0.0, initializer_range, dense->weight.sizes(), generator, torch::kFloat));
  dense->bias.zero_();
  layer_norm->weight.fill_(1.0);
  layer_norm->bias.zero_();
  bias.zero_();
}

std::map<std::string, torch::Tensor> BertMlmHeadImpl::checkpoint_tensors() const {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : named_parameters()) out[checkpoint_key(item.key())] = item.value();
  return out;
}

bool BertMlmHeadImpl::load(const std::map<std::string, torch::Tensor>& tensors,
                           const std::string& source) {
  // Each key as the checkpoint spells it: LayerNorm gamma/beta in old TensorFlow exports.
  const auto spelled = [&](const std::string& key) {
    return tensors.count(key) || legacy_name(key).empty() ? key : legacy_name(key);
  };
  std::vector<std::string> missing;
  const auto own = checkpoint_tensors();
  for (const auto& [key, parameter] : own)
    if (tensors.count(spelled(key)) == 0) missing.push_back(key);
  if (missing.size() == own.size()) return false;
  if (!missing.empty())
    throw ArtifactError("the checkpoint has part of a masked-language-model head: " +
                            missing.front() + " is missing",
                        source, "use a complete BertForMaskedLM checkpoint, or one without cls.*");
  torch::NoGradGuard no_grad;
  for (const auto& [key, parameter] : own) {
    const torch::Tensor& value = tensors.at(spelled(key));
    if (value.sizes() != parameter.sizes())
      throw ArtifactError(key + " has shape " + c10::str(value.sizes()) + ", the model needs " +
                              c10::str(parameter.sizes()),
                          source, "the head does not match the encoder's config.json");
    parameter.copy_(value.to(parameter.dtype()));
  }
  return true;
}

}  // namespace rubrika::bert
