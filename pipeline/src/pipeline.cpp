#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/long_text.hpp>
#include <rubrika/pipeline.hpp>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <cmath>

namespace rubrika {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Checks that every prepared text came from Pipeline::prepare (it has tokens).
void check_prepared(const std::vector<PreparedText>& texts) {
  for (size_t i = 0; i < texts.size(); ++i) {
    const TokenBatch& tokens = texts[i].tokens;
    if (tokens.size() < 1 || !tokens.attention_mask.defined() || !tokens.token_type_ids.defined())
      throw Error("prepared text " + std::to_string(i) + " has no tokens", "Pipeline::predict",
                  "make prepared texts with Pipeline::prepare");
  }
}

// Stacks the prepared texts' token rows ([windows_i, seq_i] each; one row unless [long_text]
// windows) into one [rows, longest] batch, with the text of each row. Past a row's own
// length it is padded with id 0 under attention_mask 0: an encoder's outputs for real
// tokens do not depend on the ids under a zero mask (bert masks them out of attention,
// tfidf weighs them by the mask), and 0 is a valid id of every vocabulary.
WindowedBatch stack_tokens(const std::vector<PreparedText>& texts) {
  check_prepared(texts);
  const auto n = static_cast<int64_t>(texts.size());
  int64_t longest = 1, rows = 0;
  for (const auto& text : texts) {
    longest = std::max(longest, text.tokens.seq_len());
    rows += text.tokens.size();
  }
  WindowedBatch out;
  out.texts = n;
  if (n == 1) {
    out.tokens = texts[0].tokens;
    out.text_of_row = at::zeros({rows}, at::kLong);
    return out;
  }
  out.tokens = {at::zeros({rows, longest}, at::kLong), at::zeros({rows, longest}, at::kLong),
                at::zeros({rows, longest}, at::kLong)};  // each [rows, longest]
  out.text_of_row = at::empty({rows}, at::kLong);
  int64_t row = 0;
  for (int64_t i = 0; i < n; ++i) {
    const TokenBatch& part = texts[static_cast<size_t>(i)].tokens;
    const int64_t count = part.size(), length = part.seq_len();
    out.tokens.input_ids.narrow(0, row, count).narrow(1, 0, length).copy_(part.input_ids);
    out.tokens.attention_mask.narrow(0, row, count).narrow(1, 0, length).copy_(part.attention_mask);
    out.tokens.token_type_ids.narrow(0, row, count).narrow(1, 0, length).copy_(part.token_type_ids);
    out.text_of_row.narrow(0, row, count).fill_(i);
    row += count;
  }
  return out;
}

// Per text: whether its logits, probabilities and OOD score (when scored) are all finite.
// A text with a NaN or an infinity among them gets no answer (Prediction::error).
std::vector<bool> finite_rows(const ForwardResult& result, const at::Tensor& ood_scores) {
  at::Tensor finite = at::isfinite(result.logits)
                          .all(1)
                          .logical_and(at::isfinite(result.probabilities).all(1));  // [texts]
  if (ood_scores.defined()) finite = finite.cpu().logical_and(at::isfinite(ood_scores));
  finite = finite.to(at::kCPU).contiguous();
  const bool* values = finite.data_ptr<bool>();
  return std::vector<bool>(values, values + finite.numel());
}

constexpr const char* kNonFiniteOutput =
    "the model produced a non-finite output (NaN or infinite logits, probabilities or OOD "
    "score) for this text, so it has no answer";

}  // namespace

RerankMode parse_rerank_mode(const std::string& name) {
  if (name == "auto") return RerankMode::automatic;
  if (name == "always") return RerankMode::always;
  if (name == "never") return RerankMode::never;
  throw InputError("unknown rerank mode '" + name + "'", "rerank", "use auto, always or never");
}

Pipeline::Pipeline(std::function<std::string(std::string_view)> normalizer, LabelSet labels,
                   std::unique_ptr<Encoder> encoder, std::unique_ptr<Head> head)
    : normalizer_(std::move(normalizer)),
      labels_(std::move(labels)),
      encoder_(std::move(encoder)),
      head_(std::move(head)) {
  if (!encoder_ || !head_) throw Error("a pipeline needs an encoder and a head");
  if (head_->num_labels() != labels_.size())
    throw ArtifactError("the head has " + std::to_string(head_->num_labels()) +
                        " outputs but there are " + std::to_string(labels_.size()) + " labels");
}

Pipeline::~Pipeline() = default;

void Pipeline::set_calibrator(std::unique_ptr<Calibrator> calibrator) {
  calibrator_ = std::move(calibrator);
}

void Pipeline::add_ood_scorer(std::string name, std::unique_ptr<OodScorer> scorer) {
  ood_scorers_.emplace_back(std::move(name), std::move(scorer));
}

void Pipeline::set_reranker(std::unique_ptr<Reranker> reranker,
                            std::map<std::string, std::string> label_texts) {
  for (const auto& name : labels_.names())
    if (!label_texts.count(name))
      throw ArtifactError("the reranker has no label text for '" + name + "'");
  reranker_ = std::move(reranker);
  label_texts_ = std::move(label_texts);
}

std::string Pipeline::normalize(std::string_view text) const {
  return normalizer_ ? normalizer_(text) : std::string(text);
}

int64_t Pipeline::token_count(const std::string& normalized_text) const {
  return tokenize({normalized_text}).tokens.real_tokens();
}

WindowedBatch Pipeline::tokenize(const std::vector<std::string>& normalized_texts) const {
  if (long_text_.windows()) return encoder_->tokenize_windows(normalized_texts, long_text_.stride);
  WindowedBatch out;
  out.tokens = encoder_->tokenize(normalized_texts);
  out.texts = static_cast<int64_t>(normalized_texts.size());
  return out;
}

void Pipeline::set_long_text(LongTextOptions options) {
  // A window holds max_length tokens with [CLS] and [SEP]; it must advance past the overlap.
  const int64_t room = encoder_->max_length() - 2;
  if (options.windows() && options.stride >= room)
    throw RecipeError("[long_text] stride " + std::to_string(options.stride) +
                          " leaves windows no room to advance: it must be below max_length - 2 = " +
                          std::to_string(room),
                      "long_text.stride", "lower stride, or raise [encoder] max_length");
  long_text_ = options;
}

void Pipeline::set_label_thresholds(std::vector<double> thresholds) {
  if (static_cast<int64_t>(thresholds.size()) != labels_.size())
    throw Error("got " + std::to_string(thresholds.size()) + " label thresholds for " +
                    std::to_string(labels_.size()) + " labels",
                "Pipeline::set_label_thresholds", "give one threshold per label");
  for (double t : thresholds)
    if (!(t >= 0.0 && t <= 1.0))
      throw Error("label threshold " + std::to_string(t) + " is outside [0, 1]",
                  "Pipeline::set_label_thresholds");
  label_thresholds_ = std::move(thresholds);
}

std::vector<double> Pipeline::label_thresholds() const {
  if (label_thresholds_.empty())
    return std::vector<double>(static_cast<size_t>(labels_.size()), 0.5);
  return label_thresholds_;
}

PreparedText Pipeline::prepare(std::string_view text) const {
  PreparedText prepared;
  auto start = Clock::now();
  prepared.normalized = normalize(text);
  prepared.normalize_ms = milliseconds_since(start);
  start = Clock::now();
  prepared.tokens = tokenize({prepared.normalized}).tokens;
  prepared.token_count = prepared.tokens.real_tokens();
  prepared.tokenize_ms = milliseconds_since(start);
  return prepared;
}

std::vector<PreparedText> Pipeline::prepare(const std::vector<std::string>& texts) const {
  std::vector<PreparedText> prepared;
  prepared.reserve(texts.size());
  for (const auto& text : texts) prepared.push_back(prepare(text));
  return prepared;
}

ForwardResult Pipeline::forward(const std::vector<std::string>& normalized_texts) {
  return forward_windows(tokenize(normalized_texts));
}

ForwardResult Pipeline::forward_windows(const WindowedBatch& batch) {
  c10::InferenceMode guard;
  encoder_->set_training(false);
  head_->set_training(false);
  return forward_encoded(encoder_->forward(batch.tokens), batch.text_of_row, batch.texts);
}

ForwardResult Pipeline::forward_encoded(EncoderOutput rows, const torch::Tensor& text_of_row,
                                        int64_t texts) {
  c10::InferenceMode guard;
  head_->set_training(false);
  ForwardResult result;
  result.encoded = std::move(rows);
  result.logits = head_->forward(result.encoded).to(at::kFloat);
  if (text_of_row.defined() && result.logits.size(0) != texts) {
    result.logits = pool_windows(result.logits, text_of_row, texts, long_text_.pool);
    result.encoded = pool_encoder_output(result.encoded, text_of_row, texts);
  }
  result.probabilities =
      calibrator_ ? calibrator_->probabilities(result.logits) : head_->probabilities(result.logits);
  return result;
}

ForwardResult concatenate_results(const std::vector<ForwardResult>& parts) {
  std::vector<at::Tensor> cls, pooled, mean, logits, probabilities;
  for (const ForwardResult& part : parts) {
    cls.push_back(part.encoded.cls.cpu());
    if (part.encoded.pooled.defined()) pooled.push_back(part.encoded.pooled.cpu());
    if (part.encoded.last_hidden_state.defined()) mean.push_back(part.encoded.mean_pooled().cpu());
    logits.push_back(part.logits.cpu());
    probabilities.push_back(part.probabilities.cpu());
  }
  ForwardResult all;
  if (logits.empty()) return all;
  all.encoded.cls = at::cat(cls);
  if (pooled.size() == cls.size()) all.encoded.pooled = at::cat(pooled);
  if (mean.size() == cls.size()) {
    // Keep mean pooling available without the [n, seq, hidden] states: a one-token
    // "sequence" whose mean is the mean vector.
    all.encoded.last_hidden_state = at::cat(mean).unsqueeze(1);
    all.encoded.attention_mask = at::ones({all.encoded.cls.size(0), 1}, at::kLong);
  }
  all.logits = at::cat(logits);
  all.probabilities = at::cat(probabilities);
  return all;
}

ForwardResult Pipeline::forward_all(const std::vector<std::string>& normalized_texts,
                                    int64_t batch_size) {
  std::vector<ForwardResult> parts;
  for (size_t begin = 0; begin < normalized_texts.size();
       begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(normalized_texts.size(), begin + static_cast<size_t>(batch_size));
    std::vector<std::string> chunk(normalized_texts.begin() + static_cast<long>(begin),
                                   normalized_texts.begin() + static_cast<long>(end));
    parts.push_back(forward(chunk));
  }
  return concatenate_results(parts);
}

std::vector<Prediction> Pipeline::predict(const std::vector<std::string>& texts,
                                          const PredictOptions& options) {
  return predict(prepare(texts), options);
}

std::vector<Prediction> Pipeline::predict(const std::vector<PreparedText>& texts,
                                          const PredictOptions& options) {
  std::vector<Prediction> predictions(texts.size());
  if (texts.empty()) return predictions;
  auto start = Clock::now();
  ForwardResult forward_result = forward_windows(stack_tokens(texts));
  const double forward_ms = milliseconds_since(start);

  start = Clock::now();
  at::Tensor ood_scores, ood_flags;
  if (!ood_scorers_.empty()) {
    c10::InferenceMode guard;
    OodInputs inputs{&forward_result.encoded, forward_result.logits, forward_result.probabilities};
    ood_scores = ood_scorers_.front().second->score(inputs).to(at::kCPU, at::kDouble);
    ood_flags = ood_scorers_.front().second->flag(inputs, ood_scores).to(at::kCPU, at::kBool);
  }
  const double ood_ms = milliseconds_since(start);

  const at::Tensor probabilities = forward_result.probabilities.to(at::kCPU, at::kDouble);
  const std::vector<double> thresholds = label_thresholds();
  const std::vector<bool> finite = finite_rows(forward_result, ood_scores);
  for (size_t i = 0; i < texts.size(); ++i) {
    Prediction& p = predictions[i];
    if (!finite[i]) {
      p.error = kNonFiniteOutput;
      log_warn("pipeline", std::string(kNonFiniteOutput) + " (text " + std::to_string(i + 1) +
                               " of " + std::to_string(texts.size()) + " in the batch)");
      continue;
    }
    const at::Tensor row = probabilities[static_cast<int64_t>(i)];
    if (ood_scores.defined()) {
      p.ood = {ood_scores[static_cast<int64_t>(i)].item<double>(),
               ood_flags[static_cast<int64_t>(i)].item<bool>(), ood_scorers_.front().first};
    }
    const auto rerank_start = Clock::now();
    if (multi_label())
      decide_labels(p, row, thresholds);
    else
      decide_label(texts[i].normalized, p, row, options);
    const double rerank_ms = milliseconds_since(rerank_start);
    if (options.timings) {
      const double n = static_cast<double>(texts.size());
      p.timings_ms = {{"normalize", texts[i].normalize_ms},
                      {"tokenize", texts[i].tokenize_ms},
                      {"forward", forward_ms / n},
                      {"ood", ood_ms / n},
                      {"rerank", rerank_ms}};
    }
  }
  return predictions;
}

void Pipeline::fill_top_k(Prediction& p, const at::Tensor& probabilities, int64_t top_k) const {
  const int64_t k = std::max<int64_t>(1, std::min(top_k, labels_.size()));
  auto [values, indices] = probabilities.topk(k);
  for (int64_t j = 0; j < k; ++j)
    p.top_k.push_back({labels_.name(indices[j].item<int64_t>()), values[j].item<double>()});
  p.label = p.top_k[0].label;
  p.confidence = p.top_k[0].p;
}

// Single-label: the top-1, reranked when the cascade runs, or "Other" when it is unsure or
// out-of-domain.
void Pipeline::decide_label(const std::string& normalized, Prediction& p,
                            const at::Tensor& probabilities, const PredictOptions& options) {
  fill_top_k(p, probabilities, options.top_k);
  apply_cascade(normalized, p, probabilities, options.rerank);
  if (p.top_k[0].p < decision_.tau_other || (decision_.reject_ood && p.ood.flag)) {
    p.is_other = true;
    p.label = decision_.other_label;
  }
}

// Multi-label: each label on at its own threshold. No label on is an answer of its own
// (the item has none of the topics), not a reason to pick the most probable one; an
// out-of-domain text has no label on and is marked "other".
void Pipeline::decide_labels(Prediction& p, const at::Tensor& probabilities,
                             const std::vector<double>& thresholds) const {
  p.multi_label = true;
  p.is_other = decision_.reject_ood && p.ood.flag;
  const at::Tensor row = probabilities.contiguous();
  const double* values = row.data_ptr<double>();
  for (int64_t j = 0; j < labels_.size(); ++j) {
    const auto at = static_cast<size_t>(j);
    const bool on = !p.is_other && values[j] >= thresholds[at];
    p.label_scores.push_back({labels_.name(j), values[j], thresholds[at], on});
    if (on) p.labels.push_back(labels_.name(j));
    if (j == 0 || values[j] > p.confidence) {
      p.label = labels_.name(j);
      p.confidence = values[j];
    }
  }
}

void Pipeline::apply_cascade(const std::string& normalized, Prediction& p,
                             const at::Tensor& probabilities, RerankMode mode) {
  if (!reranker_ || mode == RerankMode::never || labels_.size() < 2) return;
  auto [top2, unused] = probabilities.topk(2);
  const double margin = top2[0].item<double>() - top2[1].item<double>();
  if (mode == RerankMode::automatic && margin >= decision_.rerank_tau) return;

  const int64_t k = std::min(decision_.rerank_candidates, labels_.size());
  auto [values, indices] = probabilities.topk(k);
  std::vector<std::string> texts(static_cast<size_t>(k), normalized), candidates;
  for (int64_t j = 0; j < k; ++j)
    candidates.push_back(label_texts_.at(labels_.name(indices[j].item<int64_t>())));
  at::Tensor scores;
  {
    c10::InferenceMode guard;
    reranker_->set_training(false);
    scores = reranker_->score_pairs(texts, candidates).to(at::kCPU, at::kDouble);
  }
  int64_t best = 0;
  double best_score = -INFINITY;
  for (int64_t j = 0; j < k; ++j) {
    const double fused =
        scores[j].item<double>() +
        decision_.rerank_weight * std::log(std::max(values[j].item<double>(), 1e-12));
    if (fused > best_score) {
      best_score = fused;
      best = j;
    }
  }
  p.reranked = true;
  p.label_before_rerank = p.label;
  p.label = labels_.name(indices[best].item<int64_t>());
  p.confidence = values[best].item<double>();
}

std::vector<ScoredCandidate> Pipeline::rerank(const std::string& text,
                                              const std::vector<std::string>& candidates) {
  const std::vector<double> scores =
      rerank_pairs(std::vector<std::string>(candidates.size(), normalize(text)), candidates);
  std::vector<ScoredCandidate> result;
  for (size_t i = 0; i < candidates.size(); ++i) result.push_back({candidates[i], scores[i]});
  return result;
}

std::vector<double> Pipeline::rerank_pairs(const std::vector<std::string>& normalized_texts,
                                           const std::vector<std::string>& candidates) {
  if (!reranker_)
    throw ArtifactError("this run has no reranker", info_.run_name,
                        "train one with a [reranker] section");
  if (normalized_texts.size() != candidates.size())
    throw Error("got " + std::to_string(normalized_texts.size()) + " texts but " +
                    std::to_string(candidates.size()) + " candidates",
                "Pipeline::rerank_pairs", "give one candidate label per text");
  std::vector<double> result;
  if (candidates.empty()) return result;
  std::vector<std::string> label_texts;
  label_texts.reserve(candidates.size());
  for (const auto& name : candidates) {
    labels_.id(name);  // throws InputError naming an unknown label
    label_texts.push_back(label_texts_.at(name));
  }
  at::Tensor scores;
  {
    c10::InferenceMode guard;
    reranker_->set_training(false);
    scores = reranker_->score_pairs(normalized_texts, label_texts).to(at::kCPU, at::kDouble);
  }
  result.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i)
    result.push_back(scores[static_cast<int64_t>(i)].item<double>());
  return result;
}

}  // namespace rubrika
