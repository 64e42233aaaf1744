// OodScorer: how far a text is from what the classifier was trained on.
//
// fit() learns from training-set encoder outputs and labels (e.g. class means and a shared
// covariance of CLS vectors); fit_thresholds() sets the flag threshold from validation
// scores; score() gives one number per text (higher = more out-of-domain) and flag() says
// which texts to treat as out-of-domain. Features come from the same Pipeline code path
// at fit and at serve time, so cleaning can never differ between the two.
//
// First plugins: `mahalanobis`, `msp`, `energy`.
#pragma once

#include <rubrika/component.hpp>
#include <rubrika/types.hpp>

#include <map>
#include <string>

namespace rubrika {

// Everything a scorer may look at for a batch of texts.
struct OodInputs {
  const EncoderOutput* encoded = nullptr;  // encoder outputs of the batch
  torch::Tensor logits;                    // [batch, num_labels] raw head logits
  torch::Tensor probabilities;             // [batch, num_labels] calibrated probabilities
};

class OodScorer : public Component {
 public:
  // Learns from in-domain training data; labels [n] int64.
  virtual void fit(const OodInputs& train, const torch::Tensor& labels) = 0;
  // Chooses the threshold(s) from in-domain validation data. Returns named figures.
  virtual std::map<std::string, double> fit_thresholds(const OodInputs& validation) = 0;

  // [batch] float64 scores, higher = more out-of-domain.
  virtual torch::Tensor score(const OodInputs& inputs) const = 0;
  // [batch] bool: which of `scores` (from score()) are flagged out-of-domain.
  virtual torch::Tensor flag(const OodInputs& inputs, const torch::Tensor& scores) const = 0;

  virtual TensorMap state() const = 0;
  virtual void load_state(const TensorMap& state) = 0;
};

}  // namespace rubrika
