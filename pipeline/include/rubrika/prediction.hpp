// What the pipeline answers for one text: the shape `predict`, `eval` and `serve` share.
#pragma once

#include <rubrika/error.hpp>

#include <map>
#include <string>
#include <vector>

namespace rubrika {

struct LabelProbability {
  std::string label;
  double p = 0.0;  // calibrated probability
};

struct OodResult {
  double score = 0.0;  // primary OOD scorer's score, higher = more out-of-domain
  bool flag = false;   // true when the score passed the scorer's threshold (and gate)
  std::string scorer;  // which scorer, e.g. "mahalanobis"; empty when none is configured
};

// One label of a multi-label answer.
struct LabelDecision {
  std::string label;
  double p = 0.0;          // calibrated probability
  double threshold = 0.5;  // the label's threshold, chosen on validation
  bool on = false;         // p >= threshold (and the text was not rejected as out-of-domain)
};

struct Prediction {
  // Set when the model gave this text no answer: its logits or probabilities were not
  // finite (NaN or infinite). Then `error` says so and no other field is an answer — the
  // text has no label (never a label with a NaN confidence). Empty for every answered text.
  std::string error;
  // Single-label runs: `label`, `confidence` and `top_k` are the answer. Multi-label runs
  // (multi_label = true): `labels` is the answer — every label on, possibly none — and
  // `label_scores` lists every label with its probability and threshold; `label` and
  // `confidence` then name the most probable label, and `top_k` stays empty.
  bool multi_label = false;
  std::vector<std::string> labels;          // multi-label: the labels on, in label order
  std::vector<LabelDecision> label_scores;  // multi-label: every label, in label order
  std::string label;                        // final label, or the configured "Other" label
  double confidence = 0.0;                  // calibrated probability of the final label
  bool is_other = false;                    // true when the decision stage rejected the text
  std::vector<LabelProbability> top_k;      // the classifier's calibrated top-k, before rejection
  OodResult ood;
  bool reranked = false;                     // the reranker ran for this text
  std::string label_before_rerank;           // the classifier's top-1 when reranked
  std::map<std::string, double> timings_ms;  // per stage, when asked: normalize, encode, ...
};

// The model produced no usable answer for a text (Prediction::error): a NaN or infinite
// output, which damaged weights or a numeric overflow give. The server answers it with 500.
class ModelOutputError : public ArtifactError {
 public:
  using ArtifactError::ArtifactError;
};

// Throws ModelOutputError with `prediction.error` when it is set; `where` names the text
// ("text 12"). For callers that need every text answered (eval).
void check_answered(const Prediction& prediction, const std::string& where);

enum class RerankMode { automatic, always, never };

struct PredictOptions {
  int64_t top_k = 5;                          // labels listed per text
  RerankMode rerank = RerankMode::automatic;  // automatic: only when the top-2 margin < tau
  bool timings = false;                       // fill Prediction::timings_ms
};

// Parses "auto", "always", "never"; throws rubrika::InputError otherwise.
RerankMode parse_rerank_mode(const std::string& name);

// One-line JSON of a prediction — the exact shape `rubrika predict` prints and the server
// returns per text: {"label", "confidence", "other", "top_k": [{"label", "p"}],
// "ood": {"score", "flag", "scorer"}, "reranked", ["label_before_rerank"], ["timings_ms"]};
// for a multi-label run {"labels": [...], "label_scores": [{"label", "p", "threshold",
// "on"}], "other", "ood", ["timings_ms"]} ("labels": [] when no label is on). Text is UTF-8
// (no \uXXXX escapes). A text the model gave no answer (Prediction::error) is
// {"error": {"code": "model_output", "message"}}. prediction_json.hpp gives it as a JSON value.
std::string to_json(const Prediction& prediction);

}  // namespace rubrika
