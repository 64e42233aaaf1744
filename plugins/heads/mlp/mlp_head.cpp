// head/mlp: one hidden layer between the encoder vector and the logits —
// dense → activation → dropout → out_proj, softmax cross-entropy. Useful on a frozen
// encoder, where a linear head is too weak.
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>
#include <rubrika/weights.hpp>

#include <torch/torch.h>

namespace {

class MlpHead : public rubrika::Head {
 public:
  struct Options {
    std::string features = "pooled";  // cls | pooled | mean
    int64_t hidden_size = 256;        // width of the hidden layer
    std::string activation = "gelu";  // gelu | tanh | relu
    double dropout = 0.1;             // before each linear layer, training only
    double initializer_range = 0.02;  // std of the normal initialisation

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "head");
      Options o;
      o.features = in.get_choice("features", o.features, {"cls", "pooled", "mean"});
      o.hidden_size = in.get_int("hidden_size", o.hidden_size, 1, 65536);
      o.activation = in.get_choice("activation", o.activation, {"gelu", "tanh", "relu"});
      o.dropout = in.get_double("dropout", o.dropout, 0.0, 0.95);
      o.initializer_range = in.get_double("initializer_range", o.initializer_range, 1e-6, 10.0);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "dense → activation → dropout → linear, softmax";

  MlpHead(const rubrika::PluginContext& context, Options options)
      : options_(std::move(options)),
        features_(rubrika::parse_feature_source(options_.features)),
        num_labels_(static_cast<int64_t>(context.labels.size())) {
    if (num_labels_ < 2) throw rubrika::InputError("an mlp head needs at least 2 labels");
    if (context.input_size <= 0)
      throw rubrika::InputError("the mlp head needs the encoder's hidden size");
    torch::manual_seed(context.seed);
    dense_ = torch::nn::Linear(context.input_size, options_.hidden_size);
    out_proj_ = torch::nn::Linear(options_.hidden_size, num_labels_);
    torch::NoGradGuard no_grad;
    for (auto* layer : {&dense_, &out_proj_}) {
      (*layer)->weight.normal_(0.0, options_.initializer_range);
      (*layer)->bias.zero_();
    }
    dropout_ = torch::nn::Dropout(options_.dropout);
    const auto file = context.artifact_dir / "head.safetensors";
    if (!context.artifact_dir.empty() && std::filesystem::exists(file))
      rubrika::load_weights(file, weights());
    to(context.device);
  }

  torch::Tensor forward(const rubrika::EncoderOutput& encoded) override {
    auto x = dense_->forward(dropout_->forward(rubrika::select_features(encoded, features_)));
    if (options_.activation == "gelu") {
      x = torch::gelu(x);
    } else if (options_.activation == "tanh") {
      x = torch::tanh(x);
    } else {
      x = torch::relu(x);
    }
    return out_proj_->forward(dropout_->forward(x));
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
  void to(const torch::Device& device) override {
    dense_->to(device);
    out_proj_->to(device);
  }
  void save(const std::filesystem::path& file) const override {
    rubrika::save_weights(file, weights(),
                          {{"rubrika.head", "mlp"}, {"features", options_.features}});
  }

 private:
  rubrika::NamedParameters weights() const {
    return {{"dense.weight", dense_->weight},
            {"dense.bias", dense_->bias},
            {"out_proj.weight", out_proj_->weight},
            {"out_proj.bias", out_proj_->bias}};
  }

  Options options_;
  rubrika::FeatureSource features_;
  int64_t num_labels_;
  torch::nn::Linear dense_{nullptr}, out_proj_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Head, "mlp", MlpHead)
