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

namespace {

constexpr const char* kSource = "ood/energy";

class EnergyScorer : public rubrika::ood::ThresholdOnlyScorer {
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

  EnergyScorer(const rubrika::PluginContext&, Options options)
      : ThresholdOnlyScorer(options.threshold, kSource), temperature_(options.temperature) {}

  torch::Tensor score(const rubrika::OodInputs& inputs) const override {
    if (!inputs.logits.defined() || inputs.logits.dim() != 2)
      throw rubrika::InputError("the energy scorer needs logits [batch, num_labels]", kSource,
                                "fill OodInputs::logits with the head's raw logits");
    return -temperature_ * at::logsumexp(inputs.logits.to(at::kDouble) / temperature_, {1});
  }

 private:
  double temperature_;
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::OodScorer, "energy", EnergyScorer)
