#include <rubrika/mixed_precision.hpp>

#include <rubrika/error.hpp>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>

namespace rubrika {

Precision parse_precision(const std::string& name, const std::string& where) {
  if (auto precision = enum_value(kMixedPrecisionNames, name)) return *precision;
  if (auto precision = enum_value(kDtypeNames, name)) return *precision;
  throw RecipeError("unknown precision \"" + name + "\"", where,
                    "use \"no\", \"bf16\" or \"fp16\"");
}

const char* precision_name(Precision precision) { return enum_name(kDtypeNames, precision); }

void check_precision_supported(Precision precision, const torch::Device& device,
                               const std::string& where) {
  if (precision == Precision::fp16 && !device.is_cuda())
    throw RecipeError("fp16 needs a CUDA device, and this run uses " + device.str(), where,
                      "use \"bf16\" on a CPU (fast only with AVX512-BF16 or AMX) or \"no\"");
}

AutocastScope::AutocastScope(const torch::Device& device, Precision precision) {
  if (precision == Precision::fp32) return;
  active_ = true;
  cuda_ = device.is_cuda();
  const at::ScalarType dtype = precision == Precision::bf16 ? at::kBFloat16 : at::kHalf;
  if (cuda_) {
    previous_enabled_ = at::autocast::is_enabled();
    previous_dtype_ = static_cast<int>(at::autocast::get_autocast_gpu_dtype());
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(true);
  } else {
    previous_enabled_ = at::autocast::is_cpu_enabled();
    previous_dtype_ = static_cast<int>(at::autocast::get_autocast_cpu_dtype());
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // The cast weights are cached while autocast is on; drop them when the outermost scope
  // ends, as torch.autocast does, so updated weights are cast afresh next time.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  const auto dtype = static_cast<at::ScalarType>(previous_dtype_);
  if (cuda_) {
    at::autocast::set_enabled(previous_enabled_);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(previous_enabled_);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
}

LossScaler::LossScaler(bool enabled, double init_scale, double growth_factor, double backoff_factor,
                       int64_t growth_interval)
    : enabled_(enabled),
      scale_(enabled ? init_scale : 1.0),
      growth_factor_(growth_factor),
      backoff_factor_(backoff_factor),
      growth_interval_(growth_interval) {}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const {
  return enabled_ ? loss * scale_ : loss;
}

bool LossScaler::unscale(const std::vector<torch::Tensor>& params) const {
  const double inverse = 1.0 / scale_;
  at::Tensor non_finite;
  for (const auto& p : params) {
    const at::Tensor& grad = p.grad();
    if (!grad.defined()) continue;
    if (enabled_) grad.mul_(inverse);
    // One flag accumulated on the device and read once: a host sync per tensor would
    // stall CUDA for every parameter.
    at::Tensor bad = grad.isfinite().logical_not().any();
    non_finite = non_finite.defined() ? non_finite.logical_or(bad.to(non_finite.device())) : bad;
  }
  return !non_finite.defined() || !non_finite.item<bool>();
}

void LossScaler::update(bool gradients_finite) {
  if (!enabled_) return;
  if (!gradients_finite) {
    scale_ *= backoff_factor_;
    growth_tracker_ = 0;
  } else if (++growth_tracker_ >= growth_interval_) {
    scale_ *= growth_factor_;
    growth_tracker_ = 0;
  }
}

void LossScaler::restore(double scale, int64_t growth_tracker) {
  if (!enabled_) return;
  scale_ = scale;
  growth_tracker_ = growth_tracker;
}

}  // namespace rubrika
