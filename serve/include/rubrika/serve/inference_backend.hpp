// InferenceBackend: everything the server needs from a model, and nothing more.
//
// The server is written against this interface so its batching, limits, routes and
// error mapping are tested with small fake backends; PipelineBackend adapts the trained
// rubrika::Pipeline (the same object `predict` and `eval` use).
//
// A served text is prepared once, on its request thread (normalised and tokenised: prepare),
// queued as that PreparedText, and computed from it in a batch (predict, rerank) on a
// batcher worker; only the workers call into the model.
#pragma once

#include <rubrika/pipeline.hpp>
#include <rubrika/prediction.hpp>
#include <rubrika/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rubrika::serve {

class InferenceBackend {
 public:
  virtual ~InferenceBackend() = default;

  // Normalises and tokenises raw texts, each once; PreparedText::token_count is what the
  // batch token budget counts. Called from request threads concurrently with predict() and
  // rerank(); must be thread-safe. Throws InputError for a text the model cannot take.
  virtual std::vector<PreparedText> prepare(const std::vector<std::string>& texts) const = 0;
  // One Prediction per prepared text, in order. Called by the batcher's worker threads; a
  // backend that is not safe to call concurrently serialises itself.
  virtual std::vector<Prediction> predict(const std::vector<PreparedText>& texts,
                                          const PredictOptions& options) = 0;
  // Reranker score of each pair (normalized_texts[i], candidates[i]) — candidates are known
  // label names — in order. Called by the batcher's worker threads, like predict().
  virtual std::vector<double> rerank(const std::vector<std::string>& normalized_texts,
                                     const std::vector<std::string>& candidates) = 0;

  virtual bool has_reranker() const = 0;
  virtual const PipelineInfo& info() const = 0;
  virtual const std::vector<std::string>& labels() const = 0;
};

}  // namespace rubrika::serve
