// ood/energy: free energy of the logits (Liu et al., 2020, "Energy-based Out-of-distribution
// Detection"): score = -T * logsumexp(logits / T), computed in float64. In-domain texts
// have large logits and so a low (very negative) energy; higher = more out-of-domain.
// Nothing to learn; threshold and confidence gate: the shared rule of
// rubrika/ood/threshold.hpp (its alpha margin is sign-safe, so negative energies work).
// State: "threshold" and its validation statistics.
#include <rubrika/error.hpp>
#include <rubrika/ood/threshold.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>

#include <ATen/ATen.h>

#include <optional>

namespace {

constexpr const char* kSource = "ood/energy";

class EnergyScorer : public rubrika::OodScorer {
 public:
  struct Options {
    double temperature = 1.0;                  // T of the energy (not the calibrator's temperature)
    rubrika::ood::ThresholdOptions threshold;  // rule, quantile, z, alpha, gate

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "ood");
      Options o;
      o.temperature = in.get_double("temperature", o.temperature, 1e-6, 1e6);
      o.threshold = rubrika::ood::ThresholdOptions::read(in);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "energy score -T * logsumexp(logits / T)";

  EnergyScorer(const rubrika::PluginContext&, Options options) : options_(std::move(options)) {}

  // Nothing to learn from the training set.
  void fit(const rubrika::OodInputs&, const torch::Tensor&) override {}

  std::map<std::string, double> fit_thresholds(const rubrika::OodInputs& validation) override {
    threshold_ = rubrika::ood::fit_threshold(score(validation), options_.threshold, kSource);
    return rubrika::ood::threshold_figures(*threshold_);
  }

  torch::Tensor score(const rubrika::OodInputs& inputs) const override {
    if (!inputs.logits.defined() || inputs.logits.dim() != 2)
      throw rubrika::InputError("the energy scorer needs logits [batch, num_labels]", kSource,
                                "fill OodInputs::logits with the head's raw logits");
    const double t = options_.temperature;
    return -t * at::logsumexp(inputs.logits.to(at::kDouble) / t, {1});
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

RUBRIKA_PLUGIN(rubrika::OodScorer, "energy", EnergyScorer)
