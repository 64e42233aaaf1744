// PipelineBackend: the server's InferenceBackend over a trained rubrika::Pipeline.
#pragma once

#include <rubrika/serve/inference_backend.hpp>
#include <rubrika/serve/reload.hpp>

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

  std::vector<PreparedText> prepare(const std::vector<std::string>& texts) const override;
  std::vector<Prediction> predict(const std::vector<PreparedText>& texts,
                                  const PredictOptions& options) override;
  std::vector<double> rerank(const std::vector<std::string>& normalized_texts,
                             const std::vector<std::string>& candidates) override;
  bool has_reranker() const override { return pipeline_->has_reranker(); }
  const PipelineInfo& info() const override { return pipeline_->info(); }
  const std::vector<std::string>& labels() const override { return pipeline_->labels().names(); }

 private:
  std::unique_ptr<Pipeline> pipeline_;
  // The pipeline's modules switch train/eval mode inside predict and rerank, so model
  // calls (all from the batcher's workers) run one at a time; several workers then only
  // overlap queue work with inference. prepare() reads the normaliser and vocabulary only
  // and runs outside this lock.
  std::mutex model_mutex_;
};

// The loader `rubrika serve` reloads with: PipelineBackend::load of the run folder through
// `registry` (which must outlive it) on `device`. Throws what Pipeline::load throws.
BackendLoader pipeline_loader(PluginRegistry& registry, std::string device);

}  // namespace rubrika::serve
