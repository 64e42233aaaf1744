// Value types the pipeline stages hand to each other. All tensors live on the
// pipeline's device; shapes are given in the comments as [dim, ...].
#pragma once

#include <rubrika/enum_names.hpp>
#include <rubrika/tensor.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rubrika {

// A tokenised, padded batch: what Encoder::tokenize returns and Encoder::forward takes.
struct TokenBatch {
  torch::Tensor input_ids;       // [batch, seq] int64, padding id where attention_mask is 0
  torch::Tensor attention_mask;  // [batch, seq] int64, 1 for real tokens, 0 for padding
  torch::Tensor token_type_ids;  // [batch, seq] int64, 0 first segment, 1 second segment

  int64_t size() const { return input_ids.defined() ? input_ids.size(0) : 0; }
  int64_t seq_len() const { return input_ids.defined() ? input_ids.size(1) : 0; }
  // Number of real (non-padding) tokens in the batch.
  int64_t real_tokens() const;
  TokenBatch to(const torch::Device& device) const;
};

// What an encoder computes for a batch.
struct EncoderOutput {
  torch::Tensor last_hidden_state;  // [batch, seq, hidden]
  torch::Tensor cls;                // [batch, hidden]: last_hidden_state[:, 0]
  torch::Tensor pooled;             // [batch, hidden]: pooler output; undefined without a pooler
  torch::Tensor attention_mask;     // [batch, seq]: copied from the batch, for mean pooling
  // Embedding output then every layer's output, each [batch, seq, hidden]; empty unless
  // the caller asked for them.
  std::vector<torch::Tensor> hidden_states;

  // Mean of last_hidden_state over real tokens: [batch, hidden].
  torch::Tensor mean_pooled() const;
};

// Which vector of an EncoderOutput a head or OOD scorer reads.
enum class FeatureSource { cls, pooled, mean };

// The names of FeatureSource in recipes (`features = "pooled"`), weight-file metadata and
// messages: the one place that spells them. Parse options with
// OptionsReader::get_enum("features", fallback, kFeatureSourceNames).
inline constexpr EnumName<FeatureSource> kFeatureSourceNames[] = {
    {"cls", FeatureSource::cls}, {"pooled", FeatureSource::pooled}, {"mean", FeatureSource::mean}};

// Parses a name of kFeatureSourceNames; throws rubrika::InputError naming the valid values.
FeatureSource parse_feature_source(const std::string& name);
const char* to_string(FeatureSource source);

// Selects the [batch, hidden] feature tensor named by `source`. Throws rubrika::InputError
// when it is undefined (e.g. "pooled" from an encoder without a pooler).
torch::Tensor select_features(const EncoderOutput& output, FeatureSource source);

// The ordered label names of a classifier; the index of a name is its class id.
class LabelSet {
 public:
  LabelSet() = default;
  // Throws rubrika::InputError on an empty or duplicate name.
  explicit LabelSet(std::vector<std::string> names);

  int64_t size() const { return static_cast<int64_t>(names_.size()); }
  bool empty() const { return names_.empty(); }
  const std::string& name(int64_t id) const;  // throws InputError when out of range
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  // Throws rubrika::InputError "unknown label 'x'" listing a few known labels.
  int64_t id(const std::string& name) const;

 private:
  std::vector<std::string> names_;
  std::map<std::string, int64_t> index_;
};

// A candidate label with a score (higher is better), as rerankers and top-k lists give them.
struct ScoredCandidate {
  std::string label;
  double score = 0.0;
};

// Named tensors a stateful stage saves and loads (temperature, OOD means, thresholds...).
// Keys are relative names such as "means" or "threshold"; the pipeline stores them under
// the stage's own group in state.h5.
using TensorMap = std::map<std::string, torch::Tensor>;

}  // namespace rubrika
