// RunComponents: builds the components of a run folder from their pipeline.toml records —
// the plugin each names, at the version that wrote it, with its options, its artifact and
// its fitted state from state.h5. Pipeline::load assembles a whole pipeline with it;
// `rubrika extend` takes a parent's parts with it one by one.
#pragma once

#include <rubrika/calibrator.hpp>
#include <rubrika/component.hpp>
#include <rubrika/encoder.hpp>
#include <rubrika/head.hpp>
#include <rubrika/ood_scorer.hpp>
#include <rubrika/reranker.hpp>
#include <rubrika/run_manifest.hpp>

#include <toml++/toml.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rubrika {

class PluginRegistry;
namespace state {
class StateReader;
}

class RunComponents {
 public:
  // Reads nothing but state.h5 (when the run has one). `manifest` must outlive this object.
  RunComponents(std::filesystem::path run_dir, const RunManifest& manifest,
                const PluginRegistry& registry, torch::Device device);
  ~RunComponents();

  // The context a component's plugin gets: device, its artifact (to load), its labels (a
  // part's own, or the run's).
  PluginContext context(const ComponentRecord& record) const;
  // The record's options with `type` put back and a relative `model` made absolute.
  toml::table options(const ComponentRecord& record) const;

  // `encoder_dtype` (non-empty) overrides the encoder's inference precision.
  std::unique_ptr<Encoder> encoder(const ComponentRecord& record,
                                   const std::string& encoder_dtype = "") const;
  std::unique_ptr<Head> head(const ComponentRecord& record, int64_t input_size) const;
  // Calibrators and OOD scorers come with their fitted state loaded.
  std::unique_ptr<Calibrator> calibrator(const ComponentRecord& record) const;
  std::unique_ptr<OodScorer> ood_scorer(const ComponentRecord& record) const;
  std::unique_ptr<Reranker> reranker(const ComponentRecord& record) const;

  // The state.h5 group of `record` (empty when it keeps none). ArtifactError when missing.
  TensorMap state(const ComponentRecord& record) const;
  // The records of one plugin kind ("head", "calibrator", "ood"), in pipeline order.
  std::vector<const ComponentRecord*> records(const std::string& kind) const;
  // The state reader, or nullptr when the run has no state.h5.
  const state::StateReader* state_reader() const { return reader_.get(); }

 private:
  template <class T>
  std::unique_ptr<T> build(const ComponentRecord& record, const PluginContext& context,
                           const toml::table& options) const;

  std::filesystem::path run_dir_;
  const RunManifest& manifest_;
  const PluginRegistry& registry_;
  torch::Device device_;
  std::unique_ptr<state::StateReader> reader_;
};

}  // namespace rubrika
