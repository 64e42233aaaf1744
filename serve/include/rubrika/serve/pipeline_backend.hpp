// PipelineBackend: the server's InferenceBackend over a trained rubrika::Pipeline.
#pragma once

#include <rubrika/serve/inference_backend.hpp>

#include <filesystem>
#include <memory>
#include <mutex>

namespace rubrika {
class PluginRegistry;
}

namespace rubrika::serve {

class PipelineBackend : public InferenceBackend {
 public:
  explicit PipelineBackend(std::unique_ptr<Pipeline> pipeline);
  // Pipeline::load: throws ArtifactError for a missing or incomplete run folder or a newer format.
  static std::unique_ptr<PipelineBackend> load(const std::filesystem::path& run_dir,
                                               PluginRegistry& registry, const std::string& device);

  std::vector<Prediction> predict(const std::vector<std::string>& texts,
                                  const PredictOptions& options) override;
  std::vector<ScoredCandidate> rerank(const std::string& text,
                                      const std::vector<std::string>& candidates) override;
  int64_t token_count(const std::string& text) const override;
  bool has_reranker() const override { return pipeline_->has_reranker(); }
  const PipelineInfo& info() const override { return pipeline_->info(); }
  const std::vector<std::string>& labels() const override { return pipeline_->labels().names(); }

 private:
  std::unique_ptr<Pipeline> pipeline_;
  // The pipeline's modules switch train/eval mode inside predict and rerank, so model
  // calls run one at a time; several workers then only overlap queue work with inference.
  std::mutex model_mutex_;
};

}  // namespace rubrika::serve
