// Evaluation of a trained pipeline on labelled texts — what `rubrika eval` reports.
//
// The texts go through Pipeline::predict, the same path `predict` and `serve` take
// (normaliser, encoder, head, calibrator, OOD, decision, reranker cascade), so the figures
// describe what users get, not a training-time shortcut. Three views of the same answers:
//   classifier  the calibrated top-1 before rejection and reranking
//   final       the label users see: reranked where the cascade ran, or the "Other" label
//               (counted as its own class, so every rejection of an in-domain text is an error)
//   calibration the classifier's calibrated probabilities (ECE, NLL, Brier, reliability bins)
#pragma once

#include <rubrika/metrics/calibration_metrics.hpp>
#include <rubrika/metrics/classification_metrics.hpp>
#include <rubrika/metrics/ood_metrics.hpp>
#include <rubrika/prediction.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rubrika {

class Pipeline;

struct EvaluationOptions {
  int64_t batch_size = 32;
  RerankMode rerank = RerankMode::automatic;
};

struct EvaluationResult {
  size_t texts = 0;
  metrics::ClassificationReport classifier;    // classes 0..C-1
  metrics::ClassificationReport final_labels;  // classes 0..C-1, and C for the "Other" label
  metrics::CalibrationReport calibration;
  double other_rate = 0.0;     // share of texts answered with the "Other" label
  double ood_flag_rate = 0.0;  // share flagged by the primary OOD scorer
  size_t reranked = 0;         // texts the reranker ran on
  size_t rerank_fixed = 0;     // reranked texts whose label became right
  size_t rerank_broke = 0;     // reranked texts whose label became wrong
};

// Predicts every raw text and measures the answers against `labels` (ids in the pipeline's
// LabelSet). Throws InputError when the sizes differ or a label id is out of range.
EvaluationResult evaluate_pipeline(Pipeline& pipeline, const std::vector<std::string>& texts,
                                   const std::vector<int64_t>& labels,
                                   const EvaluationOptions& options = {});

// Out-of-domain detection on an unlabelled file (`rubrika eval --data FILE --ood`): every
// text of the file is out-of-domain, the in-domain texts are the run's test split.
struct OodScorerEvaluation {
  std::string name;           // the scorer, e.g. "mahalanobis"
  bool primary = false;       // the scorer that drives the OOD flag (and "Other")
  metrics::OodReport report;  // AUROC, AUPR, FPR@95%TPR of OOD against in-domain scores
  metrics::OodRates rates;    // at the run's own threshold (the scorer's flag(), gate included)
};

struct OodEvaluation {
  size_t in_domain_texts = 0;
  size_t ood_texts = 0;
  std::vector<OodScorerEvaluation> scorers;  // in the pipeline's order, primary first
  double ood_other_rate = 0.0;               // share of OOD texts answered with the "Other" label
  double in_domain_other_rate = 0.0;         // share of in-domain texts answered with it
};

// Scores raw in-domain and OOD texts with every OOD scorer of the pipeline and runs both
// through Pipeline::predict for the "Other" rates. Throws InputError when either list is
// empty, ArtifactError when the run has no OOD scorer.
OodEvaluation evaluate_ood(Pipeline& pipeline, const std::vector<std::string>& in_domain_texts,
                           const std::vector<std::string>& ood_texts,
                           const EvaluationOptions& options = {});

}  // namespace rubrika
