// Conversions from tensors to the plain vectors the metric functions take, so callers
// holding tensors (calibrators, OOD scorers, the pipeline) use one tested path.
#pragma once

#include <rubrika/tensor.hpp>

#include <cstdint>
#include <vector>

namespace rubrika::metrics {

// [n, C] floating tensor (any device) -> n rows of C doubles. Throws InputError otherwise.
std::vector<std::vector<double>> to_rows(const torch::Tensor& matrix);
// [n] floating tensor -> n doubles.
std::vector<double> to_doubles(const torch::Tensor& vector);
// [n] integer tensor -> n int64 values.
std::vector<int64_t> to_int64s(const torch::Tensor& vector);
// [n] bool tensor -> n bools.
std::vector<bool> to_bools(const torch::Tensor& vector);

}  // namespace rubrika::metrics
