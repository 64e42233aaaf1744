// Pipeline: the whole inference path of a trained run, used by `train` (evaluation),
// `eval`, `predict` and `serve` alike.
//
//   text ─► Normalizer ─► Encoder.tokenize ─► Encoder.forward ─► Head ─► Calibrator
//        ─► OodScorer(s) ─► decision (top-k, "Other") ─► [Reranker when unsure] ─► Prediction
//
// A multi-label run's decision turns each label on at its own threshold (chosen on
// validation, state.h5 group "decision"); it has no reranker. Under [long_text] windows a
// long text is tokenised as overlapping windows and the head's window logits are pooled.
//
// predict(texts) is two steps: prepare() (normalise, tokenise) and predict(prepared) (all
// the rest). The server calls them itself, so each served text is normalised and tokenised
// once, and its token count (which the batcher's token budget reads) comes with it.
//
// The normaliser's options are part of the run folder, so a model is never served with
// different cleaning than it was trained with, and OOD features at fit time and at serve
// time come from forward() — the same code.
#pragma once

#include <rubrika/calibrator.hpp>
#include <rubrika/encoder.hpp>
#include <rubrika/head.hpp>
#include <rubrika/long_text.hpp>
#include <rubrika/metrics/multilabel_metrics.hpp>
#include <rubrika/ood_scorer.hpp>
#include <rubrika/prediction.hpp>
#include <rubrika/reranker.hpp>
#include <rubrika/run_manifest.hpp>
#include <rubrika/types.hpp>

#include <toml++/toml.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rubrika {

class PluginRegistry;

// Run-folder format written by this build; a newer one is refused at load.
inline constexpr int64_t kRunFormatVersion = 1;
// The state.h5 group of a multi-label run's per-label thresholds: {"thresholds": [labels]}.
inline constexpr const char* kDecisionStateGroup = "decision";

// How the decision stage and the reranker cascade choose the final label.
struct DecisionOptions {
  std::string other_label = "Другое";  // the label of rejected texts
  double tau_other = 0.35;             // reject when max calibrated probability < tau_other
  bool reject_ood = true;              // reject when the primary OOD scorer flags the text
  int64_t top_k = 5;                   // default labels listed per text
  double rerank_tau = 0.0;             // rerank when top-1 − top-2 probability < rerank_tau
  int64_t rerank_candidates = 5;       // the head's top-k labels the reranker rescores
  double rerank_weight = 0.0;          // final = reranker score + w · log p(classifier)
  std::string label_template = "Категория: {name}. {description}";  // reranker's label text
  double rerank_budget = 0.2;  // max share of texts sent to the reranker (tuning)
  // Multi-label runs: how each label's threshold is chosen on validation, and its target
  // (precision_at / recall_at: the precision or recall to reach; fixed: the threshold).
  metrics::ThresholdStrategy threshold_strategy = metrics::ThresholdStrategy::f1;
  double threshold_target = 0.5;

  // The recipe's [decision] table. rerank_tau and rerank_weight are normally chosen on
  // validation by the reranker stage; setting them here fixes them.
  static DecisionOptions from_toml(const toml::table& table);
  toml::table to_toml() const;
};

// What `GET /v1/info` and `rubrika predict --info` show.
struct PipelineInfo {
  int64_t format_version = kRunFormatVersion;
  std::string run_name;
  std::string recipe_hash;
  std::vector<std::pair<std::string, std::string>> stages;  // (stage, "kind/name version")
  std::vector<std::string> labels;
  bool multi_label = false;          // the head gives independent per-label probabilities
  std::string run_dir;               // the folder it was loaded from
  std::string run_id;                // content hash of its pipeline.toml (run_manifest_id)
  std::vector<LineageStep> lineage;  // the `rubrika extend` steps that made it, oldest first
};

// One raw text made ready for the model, so that a caller which batches texts (the
// server) counts tokens and forms batches without normalising or tokenising again.
struct PreparedText {
  std::string normalized;     // normalize(text)
  TokenBatch tokens;          // [windows, seq] the encoder's tokens of `normalized`, on the
                              // CPU: one row, or one per window under [long_text] windows
  int64_t token_count = 0;    // real (unpadded) tokens in `tokens`, every window counted
  double normalize_ms = 0.0;  // time spent normalising this text
  double tokenize_ms = 0.0;   // time spent tokenising it
};

// The tensors of one forward pass over a batch of normalised texts.
// With [long_text] windows, logits are the text's pooled windows and `encoded` the mean of
// its windows' vectors (see rubrika/long_text.hpp): one row per text either way.
struct ForwardResult {
  EncoderOutput encoded;        // encoder outputs
  torch::Tensor logits;         // [batch, num_labels] head logits
  torch::Tensor probabilities;  // [batch, num_labels] calibrated (softmax when no calibrator)
};

// The batches' results as one, on the CPU, in order. The encoder output keeps cls, pooled
// (when every part has it) and the mean-pooled vector as a one-token sequence, which is all
// a head or OOD scorer reads.
ForwardResult concatenate_results(const std::vector<ForwardResult>& parts);

class Pipeline {
 public:
  // Loads a run folder (pipeline.toml, state.h5 and the component folders) through
  // `registry`. Throws ArtifactError for a missing or incomplete folder or a newer format.
  // `encoder_dtype` ("fp32", "bf16", "fp16"; empty: as trained) overrides the encoder's
  // inference precision; an encoder without that option rejects it with a RecipeError.
  static std::unique_ptr<Pipeline> load(const std::filesystem::path& run_dir,
                                        PluginRegistry& registry,
                                        const std::string& device = "auto",
                                        const std::string& encoder_dtype = "");

  Pipeline(std::function<std::string(std::string_view)> normalizer, LabelSet labels,
           std::unique_ptr<Encoder> encoder, std::unique_ptr<Head> head);
  ~Pipeline();

  void set_calibrator(std::unique_ptr<Calibrator> calibrator);
  // The first scorer added is the primary one (it drives the OOD flag); others are reported.
  void add_ood_scorer(std::string name, std::unique_ptr<OodScorer> scorer);
  void set_reranker(std::unique_ptr<Reranker> reranker,
                    std::map<std::string, std::string> label_texts);
  void set_decision(DecisionOptions options) { decision_ = std::move(options); }
  // Multi-label runs: each label's threshold, in label order (state.h5 group "decision").
  // Without them every label's threshold is 0.5. Throws Error for a wrong count or a
  // threshold outside [0, 1].
  void set_label_thresholds(std::vector<double> thresholds);
  // How texts longer than the encoder's max_length are read ([long_text]). Throws
  // RecipeError when windows would not advance (stride >= max_length - 2).
  void set_long_text(LongTextOptions options);
  void set_info(PipelineInfo info) { info_ = std::move(info); }

  // Cleans one text exactly as training did. Throws InputError on invalid UTF-8.
  std::string normalize(std::string_view text) const;
  // Number of tokens the encoder will see for a normalised text.
  int64_t token_count(const std::string& normalized_text) const;

  // Step 1 of predict: normalises and tokenises a raw text, once. Reads only the normaliser
  // and the encoder's vocabulary, so it may run on several threads while another runs
  // predict(). Throws InputError on invalid UTF-8 or text the encoder cannot take.
  PreparedText prepare(std::string_view text) const;
  std::vector<PreparedText> prepare(const std::vector<std::string>& texts) const;

  // Encoder + head + calibrator on normalised texts, in evaluation mode, no gradients.
  ForwardResult forward(const std::vector<std::string>& normalized_texts);
  // Encoder + head + calibrator on already tokenised texts: the head runs on every row, and
  // each text's rows (windows) are pooled ([long_text] pool) before the calibrator. What
  // forward() runs after tokenising.
  ForwardResult forward_windows(const WindowedBatch& batch);
  // What forward_windows() runs after the encoder: the head on every row of `rows` (the
  // encoder's output for each window, or features cached from it), each text's rows pooled
  // (text_of_row undefined: one row per text), then the calibrator. `rubrika extend` runs
  // it on cached features, so it computes exactly what serving computes.
  ForwardResult forward_encoded(EncoderOutput rows, const torch::Tensor& text_of_row,
                                int64_t texts);
  // forward() over any number of texts in batches of `batch_size`, concatenated on the CPU.
  ForwardResult forward_all(const std::vector<std::string>& normalized_texts, int64_t batch_size);

  // Step 2 of predict: one Prediction per prepared text, in order (forward on the stacked
  // tokens, OOD, decision, cascade). Each text's timings_ms carries its own normalize and
  // tokenize times; forward and ood are the batch's divided by its texts. A text whose
  // logits, probabilities or OOD score are not finite gets Prediction::error and no label
  // (the other texts are answered). Throws Error for a PreparedText that prepare() did not
  // make (no tokens).
  std::vector<Prediction> predict(const std::vector<PreparedText>& texts,
                                  const PredictOptions& options);
  // Raw texts in, one Prediction each: prepare() then predict() on the prepared texts.
  std::vector<Prediction> predict(const std::vector<std::string>& texts,
                                  const PredictOptions& options);

  // Reranker scores for `candidates` (label names) of one raw text, in candidate order.
  // Throws InputError for an unknown label, ArtifactError when the run has no reranker.
  std::vector<ScoredCandidate> rerank(const std::string& text,
                                      const std::vector<std::string>& candidates);
  // The batched form of rerank(): the reranker's score of each pair (normalized_texts[i],
  // label candidates[i]) in one call, in order. Same errors as rerank(); both lists must
  // have the same length.
  std::vector<double> rerank_pairs(const std::vector<std::string>& normalized_texts,
                                   const std::vector<std::string>& candidates);

  const LabelSet& labels() const { return labels_; }
  const DecisionOptions& decision() const { return decision_; }
  bool multi_label() const { return head_->task() == TaskType::multi_label; }
  // One per label: the thresholds set, or 0.5 each.
  std::vector<double> label_thresholds() const;
  const LongTextOptions& long_text() const { return long_text_; }
  const PipelineInfo& info() const { return info_; }
  bool has_reranker() const { return reranker_ != nullptr; }

  Encoder& encoder() { return *encoder_; }
  Head& head() { return *head_; }
  Calibrator* calibrator() { return calibrator_.get(); }
  Reranker* reranker() { return reranker_.get(); }
  const std::vector<std::pair<std::string, std::unique_ptr<OodScorer>>>& ood_scorers() const {
    return ood_scorers_;
  }

 private:
  // The encoder's tokens of normalised texts: windows under [long_text] windows (then
  // text_of_row is defined), one row per text otherwise.
  WindowedBatch tokenize(const std::vector<std::string>& normalized_texts) const;
  void fill_top_k(Prediction& p, const torch::Tensor& probabilities, int64_t top_k) const;
  void decide_label(const std::string& normalized, Prediction& p,
                    const torch::Tensor& probabilities, const PredictOptions& options);
  void decide_labels(Prediction& p, const torch::Tensor& probabilities,
                     const std::vector<double>& thresholds) const;
  void apply_cascade(const std::string& normalized, Prediction& prediction,
                     const torch::Tensor& probabilities, RerankMode mode);

  std::function<std::string(std::string_view)> normalizer_;
  LabelSet labels_;
  std::unique_ptr<Encoder> encoder_;
  std::unique_ptr<Head> head_;
  std::unique_ptr<Calibrator> calibrator_;
  std::vector<std::pair<std::string, std::unique_ptr<OodScorer>>> ood_scorers_;
  std::unique_ptr<Reranker> reranker_;
  std::map<std::string, std::string> label_texts_;
  DecisionOptions decision_;
  std::vector<double> label_thresholds_;
  LongTextOptions long_text_;
  PipelineInfo info_;
};

}  // namespace rubrika
