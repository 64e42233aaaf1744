// The cross-encoder's two training objectives.
#pragma once

#include <rubrika/tensor.hpp>

namespace rubrika {

// Pointwise: binary cross-entropy on each (text, label) pair. scores, targets [n];
// pos_weight > 0 multiplies the positives' term (1 = plain BCE).
torch::Tensor pointwise_loss(const torch::Tensor& scores, const torch::Tensor& targets,
                             double pos_weight);

// Listwise: softmax cross-entropy over groups of one positive and k negatives.
// scores [groups, 1 + k] with the positive in column 0.
torch::Tensor listwise_loss(const torch::Tensor& scores);

}  // namespace rubrika
