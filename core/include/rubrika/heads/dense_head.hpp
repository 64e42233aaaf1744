// What the built-in heads (linear, mlp, multilabel) share: their common options and a base
// class for a head made of dropout and linear layers over one encoder vector.
//
// DenseHead keeps the layers under their checkpoint names (the keys of head.safetensors),
// initialises them (weights N(0, initializer_range), zero biases), loads the saved weights
// when the host says so, moves them between devices and writes them. A subclass creates
// its layers with add_linear() in its constructor, then calls finish_setup(), and gives
// forward() and task(). SingleLayerHead is the whole of the linear and multilabel heads:
// dropout + one layer named "classifier", as Hugging Face's BertForSequenceClassification.
#pragma once

#include <rubrika/head.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/types.hpp>

#include <toml++/toml.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace rubrika::heads {

// The keys every built-in head reads from its [head] table.
struct HeadOptions {
  FeatureSource features = FeatureSource::pooled;  // the encoder vector the head reads
  double dropout = 0.1;             // before each linear layer, training only (HF default)
  double initializer_range = 0.02;  // std of the normal initialisation (HF default)

  // Reads `features`, `dropout`, `initializer_range`; the caller reads its own keys and
  // calls in.finish().
  static HeadOptions read(OptionsReader& in);
  // A [head] table that holds these keys and nothing else.
  static HeadOptions from_toml(const toml::table& table);
};

class DenseHead : public Head {
 public:
  std::optional<FeatureSource> feature_source() const override { return options_.features; }
  int64_t num_labels() const override { return num_labels_; }
  NamedParameters named_parameters() override { return weights(); }
  void set_training(bool training) override { dropout_->train(training); }
  void to(const torch::Device& device) override;
  // Metadata: "rubrika.head" = the plugin name, "features" = the feature source's name.
  void save(const std::filesystem::path& file) const override;

 protected:
  // `name` is the plugin's (messages, weight metadata). InputError with fewer than
  // `min_labels` labels or without the encoder's hidden size. Seeds torch with context.seed
  // so that the layers created next are initialised reproducibly.
  DenseHead(const PluginContext& context, const HeadOptions& options, std::string name,
            int64_t min_labels);

  // A new layer [in] → [out] whose weights are saved as `prefix`.weight and `prefix`.bias.
  torch::nn::Linear add_linear(const std::string& prefix, int64_t in, int64_t out);
  // After the last add_linear(): initialises every layer, loads context.artifact when
  // context.use is ArtifactUse::load, and moves the layers to context.device.
  void finish_setup(const PluginContext& context);

  // dropout(the selected encoder vector) [batch, hidden]: what the first layer reads.
  torch::Tensor dropped_features(const EncoderOutput& encoded);
  torch::Tensor dropout(const torch::Tensor& x) { return dropout_->forward(x); }
  int64_t input_size() const { return input_size_; }
  const HeadOptions& head_options() const { return options_; }

 private:
  NamedParameters weights() const;

  HeadOptions options_;
  std::string name_;
  int64_t num_labels_;
  int64_t input_size_;
  std::vector<std::pair<std::string, torch::nn::Linear>> layers_;  // in creation order
  torch::nn::Dropout dropout_{nullptr};
};

// dropout → classifier: [hidden] → [labels] (classifier.weight [labels, hidden],
// classifier.bias [labels]). The plugin names its task and how many labels it needs.
class SingleLayerHead : public DenseHead {
 public:
  using Options = HeadOptions;
  struct Spec {
    const char* name;    // the plugin's name
    int64_t min_labels;  // fewer labels are an InputError
    TaskType task;       // single_label: softmax; multi_label: one sigmoid per label
  };

  SingleLayerHead(const PluginContext& context, const HeadOptions& options, const Spec& spec);

  torch::Tensor forward(const EncoderOutput& encoded) override;
  TaskType task() const override { return task_; }

 private:
  TaskType task_;
  torch::nn::Linear classifier_{nullptr};
};

}  // namespace rubrika::heads
