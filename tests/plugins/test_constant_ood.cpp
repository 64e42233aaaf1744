// ood/test_constant: scores every text `value`; flags when value > threshold. Gives the
// registry tests a second kind.
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <torch/types.h>

namespace {

class TestConstantOod : public rubrika::OodScorer {
 public:
  struct Options {
    double value = 0.0;      // the score of every text
    double threshold = 1.0;  // flag when value > threshold
    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "ood");
      Options o;
      o.value = in.get_double("value", o.value, -1e9, 1e9);
      o.threshold = in.get_double("threshold", o.threshold, -1e9, 1e9);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription = "test plugin: a constant score";

  TestConstantOod(const rubrika::PluginContext&, Options options) : options_(options) {}

  void fit(const rubrika::OodInputs&, const torch::Tensor&) override {}
  std::map<std::string, double> fit_thresholds(const rubrika::OodInputs&) override {
    return {{"threshold", options_.threshold}};
  }
  torch::Tensor score(const rubrika::OodInputs& inputs) const override {
    return torch::full({inputs.logits.size(0)}, options_.value, torch::kFloat64);
  }
  torch::Tensor flag(const rubrika::OodInputs&, const torch::Tensor& scores) const override {
    return scores > options_.threshold;
  }
  rubrika::TensorMap state() const override { return {}; }
  void load_state(const rubrika::TensorMap&) override {}

 private:
  Options options_;
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::OodScorer, "test_constant", TestConstantOod)
