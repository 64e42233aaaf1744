// calibrator/test_softmax: softmax(logits / scale). A real, minimal plugin for registry
// tests; `scale` exercises option validation.
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <torch/types.h>

namespace {

class TestSoftmax : public rubrika::Calibrator {
 public:
  struct Options {
    double scale = 1.0;  // logits are divided by this before the softmax
    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "calibrator");
      Options o;
      o.scale = in.get_double("scale", o.scale, 1e-6, 1e6);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription = "test plugin: softmax(logits / scale)";

  TestSoftmax(const rubrika::PluginContext&, Options options) : options_(options) {}

  std::map<std::string, double> fit(const torch::Tensor&, const torch::Tensor&) override {
    return {{"scale", options_.scale}};
  }
  torch::Tensor probabilities(const torch::Tensor& logits) const override {
    return torch::softmax(logits / options_.scale, -1);
  }
  rubrika::TensorMap state() const override {
    return {{"scale", torch::tensor(options_.scale, torch::kFloat64)}};
  }
  void load_state(const rubrika::TensorMap& state) override {
    options_.scale = state.at("scale").item<double>();
  }

 private:
  Options options_;
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Calibrator, "test_softmax", TestSoftmax)
