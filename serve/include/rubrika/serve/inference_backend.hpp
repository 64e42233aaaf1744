// InferenceBackend: everything the server needs from a model, and nothing more.
//
// The server is written against this interface so its batching, limits, routes and
// error mapping are tested with small fake backends; PipelineBackend adapts the trained
// rubrika::Pipeline (the same object `predict` and `eval` use).
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

  // One Prediction per raw text, in order. Called by the batcher's worker threads; a
  // backend that is not safe to call concurrently serialises itself.
  virtual std::vector<Prediction> predict(const std::vector<std::string>& texts,
                                          const PredictOptions& options) = 0;
  // Reranker scores of `candidates` (known label names) for one raw text, in candidate order.
  virtual std::vector<ScoredCandidate> rerank(const std::string& text,
                                              const std::vector<std::string>& candidates) = 0;
  // Tokens the encoder will see for a raw text (for the batch token budget). Called from
  // HTTP threads concurrently with predict(); must be thread-safe.
  virtual int64_t token_count(const std::string& text) const = 0;

  virtual bool has_reranker() const = 0;
  virtual const PipelineInfo& info() const = 0;
  virtual const std::vector<std::string>& labels() const = 0;
};

}  // namespace rubrika::serve
