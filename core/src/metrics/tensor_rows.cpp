// Tensor -> vector conversions for the metric functions.
#include <rubrika/metrics/tensor_rows.hpp>

#include <rubrika/error.hpp>

#include <ATen/ATen.h>

namespace rubrika::metrics {
namespace {

at::Tensor cpu_as(const at::Tensor& t, at::ScalarType type, int64_t dim, const char* what) {
  if (!t.defined()) throw InputError(std::string(what) + ": the tensor is undefined");
  if (t.dim() != dim)
    throw InputError(std::string(what) + ": expected a tensor of rank " + std::to_string(dim) +
                     ", got rank " + std::to_string(t.dim()));
  return t.detach().to(at::kCPU).to(type).contiguous();
}

}  // namespace

std::vector<std::vector<double>> to_rows(const torch::Tensor& matrix) {
  if (matrix.defined() && !at::isFloatingType(matrix.scalar_type()))
    throw InputError("to_rows: expected a floating tensor of probabilities");
  const at::Tensor t = cpu_as(matrix, at::kDouble, 2, "to_rows");
  const int64_t n = t.size(0), c = t.size(1);
  const double* data = t.data_ptr<double>();
  std::vector<std::vector<double>> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    rows[static_cast<size_t>(i)].assign(data + i * c, data + (i + 1) * c);
  return rows;
}

std::vector<double> to_doubles(const torch::Tensor& vector) {
  const at::Tensor t = cpu_as(vector, at::kDouble, 1, "to_doubles");
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

std::vector<int64_t> to_int64s(const torch::Tensor& vector) {
  if (vector.defined() && at::isFloatingType(vector.scalar_type()))
    throw InputError("to_int64s: expected an integer tensor of class ids, got a floating one");
  const at::Tensor t = cpu_as(vector, at::kLong, 1, "to_int64s");
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

std::vector<bool> to_bools(const torch::Tensor& vector) {
  const at::Tensor t = cpu_as(vector, at::kBool, 1, "to_bools");
  const bool* data = t.data_ptr<bool>();
  return std::vector<bool>(data, data + t.numel());
}

}  // namespace rubrika::metrics
