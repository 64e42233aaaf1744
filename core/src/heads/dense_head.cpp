// The shared part of the built-in heads; see rubrika/heads/dense_head.hpp.
#include <rubrika/heads/dense_head.hpp>

#include <rubrika/error.hpp>
#include <rubrika/weights.hpp>

#include <torch/torch.h>

namespace rubrika::heads {

HeadOptions HeadOptions::read(OptionsReader& in) {
  HeadOptions o;
  o.features = in.get_enum("features", o.features, kFeatureSourceNames);
  o.dropout = in.get_double("dropout", o.dropout, 0.0, 0.95);
  o.initializer_range = in.get_double("initializer_range", o.initializer_range, 1e-6, 10.0);
  return o;
}

HeadOptions HeadOptions::from_toml(const toml::table& table) {
  OptionsReader in(table, "head");
  HeadOptions o = read(in);
  in.finish();
  return o;
}

DenseHead::DenseHead(const PluginContext& context, const HeadOptions& options, std::string name,
                     int64_t min_labels)
    : options_(options),
      name_(std::move(name)),
      num_labels_(static_cast<int64_t>(context.labels.size())),
      input_size_(context.input_size) {
  if (num_labels_ < min_labels)
    throw InputError("the " + name_ + " head needs at least " + std::to_string(min_labels) +
                     (min_labels == 1 ? " label" : " labels") + ", got " +
                     std::to_string(num_labels_));
  if (input_size_ <= 0) throw InputError("the " + name_ + " head needs the encoder's hidden size");
  torch::manual_seed(context.seed);
  dropout_ = torch::nn::Dropout(options_.dropout);
}

torch::nn::Linear DenseHead::add_linear(const std::string& prefix, int64_t in, int64_t out) {
  torch::nn::Linear layer(in, out);
  layers_.emplace_back(prefix, layer);
  return layer;
}

void DenseHead::finish_setup(const PluginContext& context) {
  {
    torch::NoGradGuard no_grad;
    for (auto& [prefix, layer] : layers_) {
      layer->weight.normal_(0.0, options_.initializer_range);
      layer->bias.zero_();
    }
  }
  if (context.use == ArtifactUse::load) load_weights(context.artifact, weights());
  to(context.device);
}

torch::Tensor DenseHead::dropped_features(const EncoderOutput& encoded) {
  return dropout_->forward(select_features(encoded, options_.features));
}

void DenseHead::to(const torch::Device& device) {
  for (auto& [prefix, layer] : layers_) layer->to(device);
}

void DenseHead::save(const std::filesystem::path& file) const {
  save_weights(file, weights(),
               {{"rubrika.head", name_}, {"features", to_string(options_.features)}});
}

NamedParameters DenseHead::weights() const {
  NamedParameters out;
  for (const auto& [prefix, layer] : layers_) {
    out.emplace_back(prefix + ".weight", layer->weight);
    out.emplace_back(prefix + ".bias", layer->bias);
  }
  return out;
}

SingleLayerHead::SingleLayerHead(const PluginContext& context, const HeadOptions& options,
                                 const Spec& spec)
    : DenseHead(context, options, spec.name, spec.min_labels), task_(spec.task) {
  classifier_ = add_linear("classifier", input_size(), num_labels());
  finish_setup(context);
}

torch::Tensor SingleLayerHead::forward(const EncoderOutput& encoded) {
  return classifier_->forward(dropped_features(encoded));
}

}  // namespace rubrika::heads
