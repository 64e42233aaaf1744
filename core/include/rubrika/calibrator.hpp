// Calibrator: makes a head's probabilities mean what they say.
//
// fit() sees held-out (validation) logits and labels; probabilities() maps logits to
// calibrated probabilities. Its fitted state is a TensorMap the pipeline stores in
// state.h5 and gives back to load().
//
// Plugins: `temperature` (one scalar T minimising validation NLL, for softmax heads) and
// `per_label` (Platt scaling or a temperature per label, for multi-label sigmoid heads).
#pragma once

#include <rubrika/component.hpp>
#include <rubrika/types.hpp>

#include <map>
#include <string>

namespace rubrika {

class Calibrator : public Component {
 public:
  // logits [n, num_labels] float. labels: [n] int64 class ids for a single-label head, or
  // [n, num_labels] float 0/1 for a multi-label one; a calibrator given the kind it does not
  // handle throws rubrika::InputError saying which plugin does. Returns named figures for the
  // report (e.g. "nll_before", "nll_after", "temperature").
  virtual std::map<std::string, double> fit(const torch::Tensor& logits,
                                            const torch::Tensor& labels) = 0;

  // Calibrated probabilities [n, num_labels].
  virtual torch::Tensor probabilities(const torch::Tensor& logits) const = 0;

  virtual TensorMap state() const = 0;
  virtual void load_state(const TensorMap& state) = 0;
};

}  // namespace rubrika
