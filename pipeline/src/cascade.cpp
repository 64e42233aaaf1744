#include <rubrika/error.hpp>
#include <rubrika/rerank/cascade.hpp>

#include <algorithm>
#include <cmath>

namespace rubrika {

int64_t cascade_pick(const CascadeExample& example, double weight) {
  int64_t best = 0;
  double best_score = -INFINITY;
  for (size_t j = 0; j < example.candidates.size(); ++j) {
    const double fused =
        example.reranker_scores[j] + weight * std::log(std::max(example.probabilities[j], 1e-12));
    if (fused > best_score) {
      best_score = fused;
      best = static_cast<int64_t>(j);
    }
  }
  return example.candidates[static_cast<size_t>(best)];
}

CascadeChoice tune_cascade(const std::vector<CascadeExample>& examples, double budget,
                           const std::vector<double>& weights) {
  if (examples.empty()) throw InputError("no validation texts to tune the cascade on");
  if (weights.empty()) throw InputError("no fusion weights to try");
  const double n = static_cast<double>(examples.size());
  // Sort by margin: sending the texts with margin < tau means sending a prefix.
  std::vector<size_t> order(examples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return examples[a].margin < examples[b].margin; });
  double correct_without = 0;
  for (const auto& e : examples)
    correct_without += !e.candidates.empty() && e.candidates[0] == e.truth;

  CascadeChoice best;
  best.accuracy_without = correct_without / n;
  best.accuracy_with = best.accuracy_without;
  best.tau = 0.0;
  best.weight = weights.front();
  const auto max_sent = static_cast<size_t>(std::floor(budget * n + 1e-9));
  for (double w : weights) {
    double correct = correct_without;
    for (size_t sent = 1; sent <= std::min(max_sent, order.size()); ++sent) {
      const CascadeExample& e = examples[order[sent - 1]];
      const bool before = e.candidates[0] == e.truth;
      const bool after = cascade_pick(e, w) == e.truth;
      correct += static_cast<double>(after) - static_cast<double>(before);
      // tau must separate this prefix from the next text; equal margins move together.
      const bool last = sent == order.size();
      if (!last && examples[order[sent]].margin == e.margin) continue;
      const double accuracy = correct / n;
      const double rate = static_cast<double>(sent) / n;
      const bool better =
          accuracy > best.accuracy_with + 1e-12 ||
          (std::abs(accuracy - best.accuracy_with) <= 1e-12 && rate < best.trigger_rate);
      if (better) {
        best.accuracy_with = accuracy;
        best.trigger_rate = rate;
        best.weight = w;
        best.tau = last ? e.margin + 1e-9 : (e.margin + examples[order[sent]].margin) / 2.0;
      }
    }
  }
  return best;
}

}  // namespace rubrika
