#include <rubrika/error.hpp>

#include <ATen/ATen.h>
#include <rubrika/types.hpp>

namespace rubrika {

int64_t TokenBatch::real_tokens() const {
  return attention_mask.defined() ? attention_mask.sum().item<int64_t>() : 0;
}

TokenBatch TokenBatch::to(const torch::Device& device) const {
  return {input_ids.to(device), attention_mask.to(device), token_type_ids.to(device)};
}

torch::Tensor EncoderOutput::mean_pooled() const {
  // [batch, seq, 1] mask so padding contributes nothing to the sum or the count.
  auto mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype());
  auto summed = (last_hidden_state * mask).sum(1);
  auto counts = mask.sum(1).clamp_min(1.0);
  return summed / counts;
}

namespace {
// "cls, pooled, mean"
std::string feature_source_list() {
  std::string out;
  for (const auto& name : enum_names(kFeatureSourceNames)) out += (out.empty() ? "" : ", ") + name;
  return out;
}
}  // namespace

FeatureSource parse_feature_source(const std::string& name) {
  if (auto source = enum_value(kFeatureSourceNames, name)) return *source;
  throw InputError("unknown feature source '" + name + "'", "",
                   "use one of: " + feature_source_list());
}

const char* to_string(FeatureSource source) { return enum_name(kFeatureSourceNames, source); }

torch::Tensor select_features(const EncoderOutput& output, FeatureSource source) {
  torch::Tensor features;
  switch (source) {
    case FeatureSource::cls:
      features = output.cls;
      break;
    case FeatureSource::pooled:
      features = output.pooled;
      break;
    case FeatureSource::mean:
      if (output.last_hidden_state.defined() && output.attention_mask.defined())
        features = output.mean_pooled();
      break;
  }
  if (!features.defined())
    throw InputError(std::string("the encoder gives no '") + to_string(source) + "' vector", "",
                     "choose another feature source (" + feature_source_list() + ")");
  return features;
}

LabelSet::LabelSet(std::vector<std::string> names) : names_(std::move(names)) {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i].empty()) throw InputError("empty label name at position " + std::to_string(i));
    if (!index_.emplace(names_[i], static_cast<int64_t>(i)).second)
      throw InputError("duplicate label '" + names_[i] + "'");
  }
}

const std::string& LabelSet::name(int64_t id) const {
  if (id < 0 || id >= size())
    throw InputError("label id " + std::to_string(id) + " out of range [0, " +
                     std::to_string(size()) + ")");
  return names_[static_cast<size_t>(id)];
}

int64_t LabelSet::id(const std::string& name) const {
  auto found = index_.find(name);
  if (found != index_.end()) return found->second;
  std::string known;
  for (size_t i = 0; i < names_.size() && i < 5; ++i) known += (i ? ", '" : "'") + names_[i] + "'";
  if (names_.size() > 5) known += ", ...";
  throw InputError("unknown label '" + name + "'", "",
                   "known labels (" + std::to_string(names_.size()) + "): " + known);
}

}  // namespace rubrika
