// ood/msp: maximum softmax probability baseline (Hendrycks & Gimpel, 2017):
// score = 1 - max calibrated probability (softmax of the logits when no calibrated
// probabilities are given), in [0, 1 - 1/C]. Nothing to learn; threshold and confidence
// gate: the shared rule of rubrika/ood/threshold.hpp. State: "threshold" and its
// validation statistics.
#include <rubrika/error.hpp>
#include <rubrika/ood/threshold.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <ATen/ATen.h>

#include <optional>

namespace {

constexpr const char* kSource = "ood/msp";

class MspScorer : public rubrika::OodScorer {
 public:
  struct Options {
    rubrika::ood::ThresholdOptions threshold;  // rule, quantile, z, alpha, gate

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "ood");
      Options o;
      o.threshold = rubrika::ood::ThresholdOptions::read(in);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "1 - max calibrated probability";

  MspScorer(const rubrika::PluginContext&, Options options) : options_(std::move(options)) {}

  // Nothing to learn from the training set.
  void fit(const rubrika::OodInputs&, const torch::Tensor&) override {}

  std::map<std::string, double> fit_thresholds(const rubrika::OodInputs& validation) override {
    threshold_ = rubrika::ood::fit_threshold(score(validation), options_.threshold, kSource);
    return rubrika::ood::threshold_figures(*threshold_);
  }

  torch::Tensor score(const rubrika::OodInputs& inputs) const override {
    return 1.0 - rubrika::ood::max_probability(inputs, kSource).to(at::kDouble);
  }

  torch::Tensor flag(const rubrika::OodInputs& inputs, const torch::Tensor& scores) const override {
    return rubrika::ood::flag_texts(inputs, scores, threshold_ ? &*threshold_ : nullptr,
                                    options_.threshold, kSource);
  }

  rubrika::TensorMap state() const override {
    rubrika::TensorMap out;
    if (threshold_) rubrika::ood::put_threshold_state(out, *threshold_);
    return out;
  }

  void load_state(const rubrika::TensorMap& state) override {
    threshold_ = rubrika::ood::get_threshold_state(state, kSource);
  }

 private:
  Options options_;
  std::optional<rubrika::ood::ThresholdFit> threshold_;
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::OodScorer, "msp", MspScorer)
