// Choosing the reranker cascade's threshold τ and fusion weight w on validation data.
//
// A text is sent to the reranker when its classifier top-1 − top-2 probability margin is
// below τ; the reranker rescores the top-k labels and the final label maximises
//   reranker_score + w · log p_classifier.
// tune_cascade() tries every τ that changes which texts are sent (the margins themselves)
// and each w of a grid, and keeps the most accurate pair whose trigger rate stays within
// the budget; ties go to the smaller trigger rate, then the smaller w.
#pragma once

#include <cstdint>
#include <vector>

namespace rubrika {

// One validation text as the cascade sees it.
struct CascadeExample {
  double margin = 0.0;                  // top-1 − top-2 calibrated probability
  std::vector<int64_t> candidates;      // the classifier's top-k label ids, best first
  std::vector<double> probabilities;    // their calibrated probabilities
  std::vector<double> reranker_scores;  // the reranker's score for each candidate
  int64_t truth = -1;                   // the true label id
};

struct CascadeChoice {
  double tau = 0.0;
  double weight = 0.0;
  double trigger_rate = 0.0;      // share of texts sent to the reranker
  double accuracy_without = 0.0;  // classifier top-1 alone
  double accuracy_with = 0.0;     // with the cascade at (tau, weight)
};

// The label the cascade picks for `example` when it runs, with fusion weight `weight`.
int64_t cascade_pick(const CascadeExample& example, double weight);

CascadeChoice tune_cascade(const std::vector<CascadeExample>& examples, double budget,
                           const std::vector<double>& weights);

}  // namespace rubrika
