// Mixed precision: run the forward pass in bf16 or fp16 while the weights, gradients and
// optimiser state stay fp32 — what PyTorch's torch.autocast and GradScaler do.
//
//   Precision p = parse_precision(options.mixed_precision);   // "no" | "bf16" | "fp16"
//   check_precision_supported(p, device, "[train] mixed_precision");
//   LossScaler scaler(p == Precision::fp16);
//   { AutocastScope autocast(device, p); loss = task.loss(batch); }
//   scaler.scale(loss).backward();
//   if (scaler.unscale(params)) optimizer.step();   // false: a gradient overflowed, skip
//   scaler.update(...);
//
// bf16 keeps fp32's exponent range, so it needs no loss scaling. fp16 does: small gradients
// underflow to zero, so the loss is multiplied by a large scale before backward, gradients
// are divided by it before clipping and the step, and the scale halves whenever a gradient
// overflows (that step is skipped) and doubles after `growth_interval` clean steps.
// fp16 autocast exists for CUDA only; bf16 runs on CPUs too (fast only with AVX512-BF16
// or AMX, emulated and slow elsewhere).
#pragma once

#include <rubrika/enum_names.hpp>
#include <rubrika/tensor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rubrika {

enum class Precision { fp32, bf16, fp16 };

// The names of an inference dtype ([encoder] dtype = "fp32" | "bf16" | "fp16").
inline constexpr EnumName<Precision> kDtypeNames[] = {
    {"fp32", Precision::fp32}, {"bf16", Precision::bf16}, {"fp16", Precision::fp16}};
// The names of a training precision ([train] mixed_precision = "no" | "bf16" | "fp16").
inline constexpr EnumName<Precision> kMixedPrecisionNames[] = {
    {"no", Precision::fp32}, {"bf16", Precision::bf16}, {"fp16", Precision::fp16}};

// A name of kMixedPrecisionNames or kDtypeNames ("no" or "fp32" → fp32, "bf16", "fp16");
// anything else throws RecipeError naming `where`.
Precision parse_precision(const std::string& name, const std::string& where = "mixed_precision");
// "fp32", "bf16" or "fp16" (kDtypeNames).
const char* precision_name(Precision precision);

// Throws RecipeError (naming `where`) when `precision` cannot run on `device`: fp16 on a CPU.
void check_precision_supported(Precision precision, const torch::Device& device,
                               const std::string& where);

// Turns autocast on for `device`'s type with `precision` for the scope's lifetime and
// restores the previous autocast state after. Does nothing for Precision::fp32.
class AutocastScope {
 public:
  AutocastScope(const torch::Device& device, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool previous_enabled_ = false;
  int previous_dtype_ = 0;  // at::ScalarType, kept as int to keep this header light
};

// Dynamic loss scaling for fp16 training (GradScaler's defaults). A disabled scaler is the
// identity: scale() returns the loss, unscale() only reports whether gradients are finite.
class LossScaler {
 public:
  explicit LossScaler(bool enabled, double init_scale = 65536.0, double growth_factor = 2.0,
                      double backoff_factor = 0.5, int64_t growth_interval = 2000);

  bool enabled() const { return enabled_; }
  double scale() const { return scale_; }
  int64_t growth_tracker() const { return growth_tracker_; }

  // The loss to call backward() on: loss × scale.
  torch::Tensor scale(const torch::Tensor& loss) const;
  // Divides the gradients of `params` by the scale (in place). Returns true when every
  // gradient is finite, false when one holds inf or NaN: the optimiser step must be skipped.
  bool unscale(const std::vector<torch::Tensor>& params) const;
  // After each optimiser step (taken or skipped): back off on overflow, grow after
  // `growth_interval` finite steps in a row.
  void update(bool gradients_finite);
  // Puts back the state a checkpoint saved, so a resumed run scales as the original did.
  void restore(double scale, int64_t growth_tracker);

 private:
  bool enabled_;
  double scale_;
  double growth_factor_;
  double backoff_factor_;
  int64_t growth_interval_;
  int64_t growth_tracker_ = 0;
};

}  // namespace rubrika
