#include <rubrika/error.hpp>
#include <rubrika/rerank/losses.hpp>

#include <ATen/ATen.h>

namespace rubrika {

torch::Tensor pointwise_loss(const torch::Tensor& scores, const torch::Tensor& targets,
                             double pos_weight) {
  if (scores.sizes() != targets.sizes())
    throw InputError("pointwise loss: scores and targets differ in shape");
  at::Tensor weight = at::full_like(scores, pos_weight);
  return at::binary_cross_entropy_with_logits(scores, targets.to(scores.dtype()), {}, weight);
}

torch::Tensor listwise_loss(const torch::Tensor& scores) {
  if (scores.dim() != 2 || scores.size(1) < 2)
    throw InputError("listwise loss needs [groups, 1 + k] scores with k >= 1");
  // -log softmax(scores)[:, 0]: the positive sits in column 0.
  return -at::log_softmax(scores, 1).select(1, 0).mean();
}

}  // namespace rubrika
