// head/linear: dropout + one linear layer over the encoder's pooled (or CLS, or mean)
// vector, softmax cross-entropy — exactly Hugging Face's BertForSequenceClassification
// head, with the same parameter names (classifier.weight [labels, hidden], classifier.bias
// [labels]) so a trained model exports as one HF folder.
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>
#include <rubrika/weights.hpp>

#include <torch/torch.h>

namespace {

class LinearHead : public rubrika::Head {
 public:
  struct Options {
    std::string features = "pooled";  // cls | pooled | mean: the encoder vector the head reads
    double dropout = 0.1;             // on the features, training only (HF: hidden_dropout_prob)
    double initializer_range = 0.02;  // std of the normal initialisation (HF default)

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
  static constexpr const char* kDescription =
      "dropout + linear, softmax (HF BertForSequenceClassification)";

  LinearHead(const rubrika::PluginContext& context, Options options)
      : options_(std::move(options)),
        features_(rubrika::parse_feature_source(options_.features)),
        num_labels_(static_cast<int64_t>(context.labels.size())) {
    if (num_labels_ < 2) throw rubrika::InputError("a linear head needs at least 2 labels");
    if (context.input_size <= 0)
      throw rubrika::InputError("the linear head needs the encoder's hidden size");
    torch::manual_seed(context.seed);
    linear_ = torch::nn::Linear(context.input_size, num_labels_);
    torch::NoGradGuard no_grad;
    linear_->weight.normal_(0.0, options_.initializer_range);
    linear_->bias.zero_();
    dropout_ = torch::nn::Dropout(options_.dropout);
    const auto file = context.artifact_dir / "head.safetensors";
    if (!context.artifact_dir.empty() && std::filesystem::exists(file))
      rubrika::load_weights(file, named_parameters());
    to(context.device);
  }

  torch::Tensor forward(const rubrika::EncoderOutput& encoded) override {
    return linear_->forward(dropout_->forward(rubrika::select_features(encoded, features_)));
  }

  torch::Tensor loss(const torch::Tensor& logits, const torch::Tensor& targets,
                     const torch::Tensor& class_weights) override {
    auto options = torch::nn::functional::CrossEntropyFuncOptions();
    if (class_weights.defined()) options.weight(class_weights.to(logits.dtype()));
    return torch::nn::functional::cross_entropy(logits, targets, options);
  }

  std::optional<rubrika::FeatureSource> feature_source() const override { return features_; }
  rubrika::TaskType task() const override { return rubrika::TaskType::single_label; }
  int64_t num_labels() const override { return num_labels_; }

  rubrika::NamedParameters named_parameters() override { return weights(); }
  void set_training(bool training) override { dropout_->train(training); }
  void to(const torch::Device& device) override { linear_->to(device); }

  void save(const std::filesystem::path& file) const override {
    rubrika::save_weights(file, weights(),
                          {{"rubrika.head", "linear"}, {"features", options_.features}});
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

RUBRIKA_PLUGIN(rubrika::Head, "linear", LinearHead)
