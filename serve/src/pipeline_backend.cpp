#include <rubrika/serve/pipeline_backend.hpp>

#include <rubrika/registry.hpp>

namespace rubrika::serve {

PipelineBackend::PipelineBackend(std::unique_ptr<Pipeline> pipeline)
    : pipeline_(std::move(pipeline)) {}

std::unique_ptr<PipelineBackend> PipelineBackend::load(const std::filesystem::path& run_dir,
                                                       PluginRegistry& registry,
                                                       const std::string& device) {
  return std::make_unique<PipelineBackend>(Pipeline::load(run_dir, registry, device));
}

std::vector<Prediction> PipelineBackend::predict(const std::vector<std::string>& texts,
                                                 const PredictOptions& options) {
  std::lock_guard<std::mutex> lock(model_mutex_);
  return pipeline_->predict(texts, options);
}

std::vector<ScoredCandidate> PipelineBackend::rerank(const std::string& text,
                                                     const std::vector<std::string>& candidates) {
  std::lock_guard<std::mutex> lock(model_mutex_);
  return pipeline_->rerank(text, candidates);
}

int64_t PipelineBackend::token_count(const std::string& text) const {
  // Tokenising reads the vocabulary only, so it runs outside the model lock.
  return pipeline_->token_count(pipeline_->normalize(text));
}

}  // namespace rubrika::serve
