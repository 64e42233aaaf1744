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

std::vector<PreparedText> PipelineBackend::prepare(const std::vector<std::string>& texts) const {
  return pipeline_->prepare(texts);
}

std::vector<Prediction> PipelineBackend::predict(const std::vector<PreparedText>& texts,
                                                 const PredictOptions& options) {
  std::lock_guard<std::mutex> lock(model_mutex_);
  return pipeline_->predict(texts, options);
}

std::vector<double> PipelineBackend::rerank(const std::vector<std::string>& normalized_texts,
                                            const std::vector<std::string>& candidates) {
  std::lock_guard<std::mutex> lock(model_mutex_);
  return pipeline_->rerank_pairs(normalized_texts, candidates);
}

BackendLoader pipeline_loader(PluginRegistry& registry, std::string device) {
  return [&registry, device = std::move(device)](const std::string& run_dir) {
    return std::shared_ptr<InferenceBackend>(PipelineBackend::load(run_dir, registry, device));
  };
}

}  // namespace rubrika::serve
