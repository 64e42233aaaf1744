#include <rubrika/options_reader.hpp>
#include <rubrika/train/loss.hpp>

#include <torch/torch.h>

namespace rubrika {
namespace {

namespace F = torch::nn::functional;

// Single-label focal loss with label smoothing: per example
//   l_i = -sum_c q_ic (1 - p_ic)^gamma log p_ic,  q_i = (1 - eps) onehot(y_i) + eps / C,
// averaged with the class weight of y_i as cross_entropy() does (sum w_y l / sum w_y).
// With gamma = 0 this is exactly torch's cross_entropy(weight, label_smoothing).
torch::Tensor softmax_focal(const torch::Tensor& logits, const torch::Tensor& targets,
                            const LossOptions& o, const torch::Tensor& weights) {
  const auto log_p = F::log_softmax(logits, F::LogSoftmaxFuncOptions(1));  // [batch, C]
  const int64_t classes = logits.size(1);
  auto q = F::one_hot(targets, classes).to(logits.dtype());
  if (o.label_smoothing > 0) q = q * (1.0 - o.label_smoothing) + o.label_smoothing / classes;
  const auto focus = (1.0 - log_p.exp()).clamp_min(0.0).pow(o.focal_gamma);
  auto per_example = -(q * focus * log_p).sum(1);  // [batch]
  if (!weights.defined()) return per_example.mean();
  const auto w = weights.index_select(0, targets);
  return (w * per_example).sum() / w.sum();
}

// Multi-label: one binary term per label, targets smoothed towards 0.5; focal scales the
// positive term by (1 - p)^gamma and the negative one by p^gamma. pos_weight multiplies the
// positive term, as binary_cross_entropy_with_logits does.
torch::Tensor sigmoid_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                           const LossOptions& o, const torch::Tensor& pos_weight) {
  auto t = targets.to(logits.dtype());
  if (o.label_smoothing > 0) t = t * (1.0 - o.label_smoothing) + 0.5 * o.label_smoothing;
  if (o.kind == LossKind::cross_entropy) {
    auto options = F::BinaryCrossEntropyWithLogitsFuncOptions();
    if (pos_weight.defined()) options.pos_weight(pos_weight);
    return F::binary_cross_entropy_with_logits(logits, t, options);
  }
  const auto log_p = F::logsigmoid(logits);   // log p
  const auto log_q = F::logsigmoid(-logits);  // log (1 - p)
  const auto p = log_p.exp();
  auto positive = t * (1.0 - p).pow(o.focal_gamma) * log_p;
  if (pos_weight.defined()) positive = positive * pos_weight;
  const auto negative = (1.0 - t) * p.pow(o.focal_gamma) * log_q;
  return -(positive + negative).mean();
}

}  // namespace

LossOptions LossOptions::read(OptionsReader& in) {
  LossOptions o;
  o.kind = in.get_enum("loss", o.kind, kLossKindNames);
  o.label_smoothing = in.get_double("label_smoothing", o.label_smoothing, 0.0, 0.999);
  if (o.kind == LossKind::focal) {
    o.focal_gamma = in.get_double("focal_gamma", o.focal_gamma, 0.0, 100.0);
  } else if (in.has("focal_gamma")) {
    in.fail("focal_gamma",
            "applies only to the focal loss, but loss = \"" +
                std::string(enum_name(kLossKindNames, o.kind)) + "\"",
            "remove focal_gamma or set loss = \"focal\"");
  }
  o.class_weights = in.get_enum("class_weights", o.class_weights, kClassWeightingNames);
  return o;
}

void LossOptions::write(toml::table& out) const {
  out.insert_or_assign("loss", enum_name(kLossKindNames, kind));
  out.insert_or_assign("label_smoothing", label_smoothing);
  if (kind == LossKind::focal) out.insert_or_assign("focal_gamma", focal_gamma);
  out.insert_or_assign("class_weights", enum_name(kClassWeightingNames, class_weights));
}

torch::Tensor classification_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                  TaskType task, const LossOptions& options,
                                  const torch::Tensor& class_weights) {
  const torch::Tensor weights =
      class_weights.defined() ? class_weights.to(logits.dtype()) : torch::Tensor();
  if (task == TaskType::multi_label) return sigmoid_loss(logits, targets, options, weights);
  if (options.kind == LossKind::focal) return softmax_focal(logits, targets, options, weights);
  auto ce = F::CrossEntropyFuncOptions().label_smoothing(options.label_smoothing);
  if (weights.defined()) ce.weight(weights);
  return F::cross_entropy(logits, targets, ce);
}

}  // namespace rubrika
