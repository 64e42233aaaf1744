#include "tfidf_encoder.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/plugin.hpp>

#include <ATen/ATen.h>

#include <algorithm>

namespace fs = std::filesystem;

namespace rubrika::tfidf {
namespace {

constexpr const char* kLog = "encoder/tfidf";

// Each block's rows scaled to unit L2 norm (zero rows stay zero). block: [batch, width].
at::Tensor unit_rows(const at::Tensor& block) {
  return block / block.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
}

}  // namespace

// Only the UTF-8 check and, when asked, lowercasing: the pipeline's own normalizer has
// already cleaned the text the way the recipe says.
NormalizerOptions TfidfEncoder::preparation(bool lowercase) {
  NormalizerOptions o;
  o.nfc = false;
  o.lowercase = lowercase;
  o.collapse_whitespace = false;
  o.on_invalid_utf8 = InvalidUtf8::error;
  return o;
}

TfidfEncoder::TfidfEncoder(const PluginContext& context, Options options)
    : options_(std::move(options)),
      device_(context.device),
      normalizer_(preparation(options_.settings.lowercase)) {
  if (context.use == ArtifactUse::load) load(context.artifact);
}

std::string TfidfEncoder::prepare(const std::string& text) const {
  return normalizer_.normalize(text);
}

void TfidfEncoder::fit(const std::vector<std::string>& texts) {
  if (texts.empty()) throw InputError("no training texts to fit the tfidf vocabulary on", kLog);
  const Settings& s = options_.settings;
  VocabularyBuilder words, chars;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::string text;
    try {
      text = prepare(texts[i]);
    } catch (...) {
      rethrow_with_context("fitting the tfidf encoder, training text " + std::to_string(i));
    }
    if (s.word_ngrams.enabled()) words.add_document(word_ngrams(text, s.word_ngrams));
    if (s.char_ngrams.enabled()) chars.add_document(char_wb_ngrams(text, s.char_ngrams));
  }
  words_ = words.build(s.min_df, s.max_features);
  chars_ = chars.build(s.min_df, s.max_features);
  documents_ = static_cast<int64_t>(texts.size());
  if (hidden_size() == 0)
    throw InputError("no n-gram occurs in min_df = " + std::to_string(s.min_df) + " of the " +
                         std::to_string(texts.size()) + " training texts",
                     kLog, "lower [encoder] min_df or give more training texts");
  set_idf();
  log_info(kLog, "fitted on " + std::to_string(documents_) +
                     " texts: " + std::to_string(words_.size()) + " word and " +
                     std::to_string(chars_.size()) + " character n-grams");
}

void TfidfEncoder::set_idf() {
  std::vector<float> idf;
  idf.reserve(static_cast<size_t>(hidden_size()));
  for (double v : words_.idf) idf.push_back(static_cast<float>(v));
  for (double v : chars_.idf) idf.push_back(static_cast<float>(v));
  idf_ = at::tensor(idf, at::kFloat).to(device_);
}

std::vector<int64_t> TfidfEncoder::feature_ids(const std::string& text) const {
  const Settings& s = options_.settings;
  std::vector<int64_t> ids;
  const auto limit = static_cast<size_t>(options_.max_length);
  for (const auto& gram : word_ngrams(text, s.word_ngrams)) {
    if (ids.size() >= limit) break;
    if (const int64_t id = words_.find(gram); id >= 0) ids.push_back(id);
  }
  for (const auto& gram : char_wb_ngrams(text, s.char_ngrams)) {
    if (ids.size() >= limit) break;
    if (const int64_t id = chars_.find(gram); id >= 0) ids.push_back(words_.size() + id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

TokenBatch TfidfEncoder::tokenize(const std::vector<std::string>& texts,
                                  const std::vector<std::string>* pairs) const {
  if (pairs != nullptr)
    throw InputError("the tfidf encoder does not encode text pairs", "encoder/tfidf tokenize",
                     "use a bert encoder for the cross-encoder reranker");
  if (!fitted())
    throw InputError("the tfidf encoder has no vocabulary yet", "encoder/tfidf tokenize",
                     "fit it on the training texts first, or load it from a run folder");
  std::vector<std::vector<int64_t>> rows;
  rows.reserve(texts.size());
  size_t longest = 1;
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      rows.push_back(feature_ids(prepare(texts[i])));
    } catch (...) {
      rethrow_with_context("tfidf tokenize, text " + std::to_string(i));
    }
    longest = std::max(longest, rows.back().size());
  }
  const auto batch = static_cast<int64_t>(texts.size()), seq = static_cast<int64_t>(longest);
  TokenBatch out;
  out.input_ids = at::zeros({batch, seq}, at::kLong);       // [batch, seq]
  out.attention_mask = at::zeros({batch, seq}, at::kLong);  // [batch, seq]
  out.token_type_ids = at::zeros({batch, seq}, at::kLong);  // [batch, seq]
  auto ids = out.input_ids.accessor<int64_t, 2>();
  auto mask = out.attention_mask.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    const auto& row = rows[static_cast<size_t>(b)];
    for (size_t k = 0; k < row.size(); ++k) {
      ids[b][static_cast<int64_t>(k)] = row[k];
      mask[b][static_cast<int64_t>(k)] = 1;
    }
  }
  return out;
}

EncoderOutput TfidfEncoder::forward(const TokenBatch& batch, bool output_hidden_states) {
  if (!fitted())
    throw InputError("the tfidf encoder has no vocabulary yet", "encoder/tfidf forward",
                     "fit it on the training texts first, or load it from a run folder");
  if (batch.size() == 0) throw InputError("empty batch", "encoder/tfidf forward");
  const int64_t features = hidden_size();
  const at::Tensor ids = batch.input_ids.to(device_);  // [batch, seq]
  if (ids.numel() > 0 && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= features))
    throw InputError("feature id out of range [0, " + std::to_string(features) + ")",
                     "encoder/tfidf forward", "tokenize with the same tfidf encoder");
  const at::Tensor mask = batch.attention_mask.to(device_).to(at::kFloat);  // [batch, seq]
  at::Tensor counts = at::zeros({batch.size(), features}, mask.options());  // [batch, features]
  counts.scatter_add_(1, ids, mask);
  at::Tensor tf = counts;
  if (options_.settings.sublinear_tf)
    tf = at::where(counts > 0, counts.clamp_min(1).log() + 1, at::zeros_like(counts));
  const at::Tensor weights = tf * idf_;  // [batch, features]
  std::vector<at::Tensor> blocks;
  if (words_.size() > 0) blocks.push_back(unit_rows(weights.narrow(1, 0, words_.size())));
  if (chars_.size() > 0)
    blocks.push_back(unit_rows(weights.narrow(1, words_.size(), chars_.size())));
  EncoderOutput out;
  out.cls = unit_rows(at::cat(blocks, 1));  // [batch, features]
  out.pooled = out.cls;
  out.last_hidden_state = out.cls.unsqueeze(1);                     // [batch, 1, features]
  out.attention_mask = at::ones({batch.size(), 1}, ids.options());  // [batch, 1]
  if (output_hidden_states) out.hidden_states = {out.last_hidden_state};
  return out;
}

void TfidfEncoder::to(const torch::Device& device) {
  device_ = device;
  if (idf_.defined()) idf_ = idf_.to(device_);
}

}  // namespace rubrika::tfidf

RUBRIKA_PLUGIN(rubrika::Encoder, "tfidf", rubrika::tfidf::TfidfEncoder)
