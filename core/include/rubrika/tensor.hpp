// The two libtorch types every public header needs, from light headers.
//
// <torch/torch.h> costs ~17 s of compile time per file and <ATen/ATen.h> ~8 s; the
// interfaces only name torch::Tensor and torch::Device, which these give in ~3 s.
// Implementation files include the heavier headers they actually use.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace torch {
using at::Tensor;
using c10::Device;
}  // namespace torch
