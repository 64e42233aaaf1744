// ood/msp: maximum softmax probability baseline (Hendrycks & Gimpel, 2017):
// score = 1 - max calibrated probability (softmax of the logits when no calibrated
// probabilities are given), in [0, 1 - 1/C]. Nothing to learn; threshold and confidence
// gate: the shared rule of rubrika/ood/threshold.hpp. State: "threshold" and its
// validation statistics.
#include <rubrika/ood/threshold.hpp>
#include <rubrika/plugin.hpp>

#include <ATen/ATen.h>

namespace {

constexpr const char* kSource = "ood/msp";

class MspScorer : public rubrika::ood::ThresholdOnlyScorer {
 public:
  // rule, quantile, z, alpha, gate: the shared threshold keys, nothing else.
  using Options = rubrika::ood::ThresholdOptions;
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "1 - max calibrated probability";

  MspScorer(const rubrika::PluginContext&, Options options)
      : ThresholdOnlyScorer(std::move(options), kSource) {}

  torch::Tensor score(const rubrika::OodInputs& inputs) const override {
    return 1.0 - rubrika::ood::max_probability(inputs, kSource).to(at::kDouble);
  }
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::OodScorer, "msp", MspScorer)
