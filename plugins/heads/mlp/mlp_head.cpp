// head/mlp: one hidden layer between the encoder vector and the logits —
// dense → activation → dropout → out_proj, softmax cross-entropy. Useful on a frozen
// encoder, where a linear head is too weak.
#include <rubrika/heads/dense_head.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <torch/torch.h>

namespace {

enum class Activation { gelu, tanh, relu };
constexpr rubrika::EnumName<Activation> kActivationNames[] = {
    {"gelu", Activation::gelu}, {"tanh", Activation::tanh}, {"relu", Activation::relu}};

class MlpHead : public rubrika::heads::DenseHead {
 public:
  struct Options {
    rubrika::heads::HeadOptions head;          // features, dropout (before each layer), init
    int64_t hidden_size = 256;                 // width of the hidden layer
    Activation activation = Activation::gelu;  // gelu | tanh | relu

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "head");
      Options o;
      o.head = rubrika::heads::HeadOptions::read(in);
      o.hidden_size = in.get_int("hidden_size", o.hidden_size, 1, 65536);
      o.activation = in.get_enum("activation", o.activation, kActivationNames);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "dense → activation → dropout → linear, softmax";

  MlpHead(const rubrika::PluginContext& context, const Options& options)
      : DenseHead(context, options.head, "mlp", 2), activation_(options.activation) {
    dense_ = add_linear("dense", input_size(), options.hidden_size);
    out_proj_ = add_linear("out_proj", options.hidden_size, num_labels());
    finish_setup(context);
  }

  torch::Tensor forward(const rubrika::EncoderOutput& encoded) override {
    auto x = dense_->forward(dropped_features(encoded));  // [batch, hidden_size]
    switch (activation_) {
      case Activation::gelu:
        x = torch::gelu(x);
        break;
      case Activation::tanh:
        x = torch::tanh(x);
        break;
      case Activation::relu:
        x = torch::relu(x);
        break;
    }
    return out_proj_->forward(dropout(x));
  }

  rubrika::TaskType task() const override { return rubrika::TaskType::single_label; }

 private:
  Activation activation_;
  torch::nn::Linear dense_{nullptr}, out_proj_{nullptr};
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Head, "mlp", MlpHead)
