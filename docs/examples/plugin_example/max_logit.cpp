// ood/max_logit: out-of-domain score = −max logit (Hendrycks et al., "Scaling
// Out-of-Distribution Detection"), flagged above the `quantile` of validation scores.
// A complete plugin in one file: Options with from_toml, the OodScorer interface, and
// the RUBRIKA_PLUGIN declaration.
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <torch/types.h>

namespace {

class MaxLogitScorer : public rubrika::OodScorer {
 public:
  struct Options {
    double quantile = 0.995;  // share of in-domain validation texts accepted
    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "ood");
      Options o;
      o.quantile = in.get_double("quantile", o.quantile, 0.5, 1.0);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "example out-of-tree plugin: negative max logit";

  MaxLogitScorer(const rubrika::PluginContext&, Options options) : options_(options) {}

  void fit(const rubrika::OodInputs&, const torch::Tensor&) override {}

  std::map<std::string, double> fit_thresholds(const rubrika::OodInputs& validation) override {
    torch::Tensor scores = score(validation);
    if (scores.numel() == 0) throw rubrika::InputError("no validation texts to set a threshold");
    threshold_ = torch::quantile(scores, options_.quantile).item<double>();
    return {{"threshold", threshold_}};
  }

  // [batch] float64: higher = further from every class.
  torch::Tensor score(const rubrika::OodInputs& inputs) const override {
    return -std::get<0>(inputs.logits.max(-1)).to(torch::kFloat64);
  }

  torch::Tensor flag(const rubrika::OodInputs&, const torch::Tensor& scores) const override {
    return scores > threshold_;
  }

  rubrika::TensorMap state() const override {
    return {{"threshold", torch::tensor(threshold_, torch::kFloat64)}};
  }
  void load_state(const rubrika::TensorMap& state) override {
    threshold_ = state.at("threshold").item<double>();
  }

 private:
  Options options_;
  double threshold_ = 0.0;
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::OodScorer, "max_logit", MaxLogitScorer)
