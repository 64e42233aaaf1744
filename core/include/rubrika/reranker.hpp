// Reranker: scores (text, candidate label text) pairs jointly.
//
// The pipeline sends it the head's top-k labels only when the classifier is unsure; it
// returns one relevance score per candidate (higher = better) which replaces or is fused
// with the classifier's scores.
//
// First plugin: `cross_encoder` (BERT over the pair + linear(1), Hugging Face
// BertForSequenceClassification with num_labels = 1).
#pragma once

#include <rubrika/component.hpp>
#include <rubrika/types.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace rubrika {

class Reranker : public Component, public Trainable {
 public:
  // Raw relevance scores [n] for the pairs (texts[i], candidates[i]) (same length).
  virtual torch::Tensor score_pairs(const std::vector<std::string>& texts,
                                    const std::vector<std::string>& candidates) = 0;

  // Scores every candidate for one text, in candidate order.
  std::vector<ScoredCandidate> rerank(const std::string& text,
                                      const std::vector<std::string>& candidates);

  // Writes the reranker (Hugging Face layout for cross_encoder) into `dir`, atomically.
  virtual void save(const std::filesystem::path& dir) const = 0;
};

}  // namespace rubrika
