// head/multilabel: one sigmoid per label over the encoder vector, binary cross-entropy —
// for news topics where a text has several labels. Class weights act as BCE pos_weight.
// A text has label j when sigmoid(logit_j) > 0.5 (logit > 0).
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>
#include <rubrika/weights.hpp>

#include <torch/torch.h>

namespace {

class MultilabelHead : public rubrika::Head {
 public:
  struct Options {
    std::string features = "pooled";  // cls | pooled | mean
    double dropout = 0.1;             // on the features, training only
    double initializer_range = 0.02;  // std of the normal initialisation

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "head");
      Options o;
      o.features = in.get_choice("features", o.features, {"cls", "pooled", "mean"});
      o.dropout = in.get_double("dropout", o.dropout, 0.0, 0.95);
      o.initializer_range = in.get_double("initializer_range", o.initializer_range, 1e-6, 10.0);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "dropout + linear, one sigmoid per label (BCE)";

  MultilabelHead(const rubrika::PluginContext& context, Options options)
      : options_(std::move(options)),
        features_(rubrika::parse_feature_source(options_.features)),
        num_labels_(static_cast<int64_t>(context.labels.size())) {
    if (num_labels_ < 1) throw rubrika::InputError("a multilabel head needs at least 1 label");
    if (context.input_size <= 0)
      throw rubrika::InputError("the multilabel head needs the encoder's hidden size");
    torch::manual_seed(context.seed);
    linear_ = torch::nn::Linear(context.input_size, num_labels_);
    torch::NoGradGuard no_grad;
    linear_->weight.normal_(0.0, options_.initializer_range);
    linear_->bias.zero_();
    dropout_ = torch::nn::Dropout(options_.dropout);
    const auto file = context.artifact_dir / "head.safetensors";
    if (!context.artifact_dir.empty() && std::filesystem::exists(file))
      rubrika::load_weights(file, weights());
    to(context.device);
  }

  torch::Tensor forward(const rubrika::EncoderOutput& encoded) override {
    return linear_->forward(dropout_->forward(rubrika::select_features(encoded, features_)));
  }

  torch::Tensor loss(const torch::Tensor& logits, const torch::Tensor& targets,
                     const torch::Tensor& class_weights) override {
    auto options = torch::nn::functional::BinaryCrossEntropyWithLogitsFuncOptions();
    if (class_weights.defined()) options.pos_weight(class_weights.to(logits.dtype()));
    return torch::nn::functional::binary_cross_entropy_with_logits(
        logits, targets.to(logits.dtype()), options);
  }

  std::optional<rubrika::FeatureSource> feature_source() const override { return features_; }
  rubrika::TaskType task() const override { return rubrika::TaskType::multi_label; }
  int64_t num_labels() const override { return num_labels_; }
  rubrika::NamedParameters named_parameters() override { return weights(); }
  void set_training(bool training) override { dropout_->train(training); }
  void to(const torch::Device& device) override { linear_->to(device); }
  void save(const std::filesystem::path& file) const override {
    rubrika::save_weights(file, weights(),
                          {{"rubrika.head", "multilabel"}, {"features", options_.features}});
  }

 private:
  rubrika::NamedParameters weights() const {
    return {{"classifier.weight", linear_->weight}, {"classifier.bias", linear_->bias}};
  }

  Options options_;
  rubrika::FeatureSource features_;
  int64_t num_labels_;
  torch::nn::Linear linear_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Head, "multilabel", MultilabelHead)
