// Out-of-line virtual destructors give each interface one home for its vtable and
// typeinfo (here, in rubrika_core), so dynamic_cast works across plugin libraries.
#include <rubrika/calibrator.hpp>
#include <rubrika/component.hpp>
#include <rubrika/encoder.hpp>
#include <rubrika/error.hpp>

#include <ATen/ATen.h>
#include <rubrika/head.hpp>
#include <rubrika/ood_scorer.hpp>
#include <rubrika/reranker.hpp>

namespace rubrika {

Component::~Component() = default;
Trainable::~Trainable() = default;

torch::Tensor Head::probabilities(const torch::Tensor& logits) const {
  return task() == TaskType::multi_label ? at::sigmoid(logits) : at::softmax(logits, -1);
}

std::optional<FeatureSource> Head::feature_source() const { return std::nullopt; }

std::vector<ScoredCandidate> Reranker::rerank(const std::string& text,
                                              const std::vector<std::string>& candidates) {
  if (candidates.empty()) return {};
  std::vector<std::string> texts(candidates.size(), text);
  torch::Tensor scores = score_pairs(texts, candidates).to(at::kCPU, at::kDouble);
  if (scores.numel() != static_cast<int64_t>(candidates.size()))
    throw Error("reranker returned " + std::to_string(scores.numel()) + " scores for " +
                std::to_string(candidates.size()) + " candidates");
  std::vector<ScoredCandidate> result;
  result.reserve(candidates.size());
  auto values = scores.accessor<double, 1>();
  for (size_t i = 0; i < candidates.size(); ++i)
    result.push_back({candidates[i], values[static_cast<int64_t>(i)]});
  return result;
}

}  // namespace rubrika
