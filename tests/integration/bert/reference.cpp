#include "reference.hpp"

#include <fstream>
#include <vector>

namespace rubrika::test {

namespace {

void flatten(const nlohmann::json& j, std::vector<int64_t>& shape, size_t depth,
             std::vector<double>& values) {
  if (!j.is_array()) {
    values.push_back(j.get<double>());
    return;
  }
  if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(j.size()));
  for (const auto& item : j) flatten(item, shape, depth + 1, values);
}

at::Tensor to_tensor(const nlohmann::json& j, at::ScalarType type) {
  std::vector<int64_t> shape;
  std::vector<double> values;
  flatten(j, shape, 0, values);
  return at::tensor(values, at::kDouble).view(shape).to(type);
}

}  // namespace

const nlohmann::json& reference() {
  static const nlohmann::json parsed = [] {
    std::ifstream in(kTinyBert / "reference.json");
    return nlohmann::json::parse(in);
  }();
  return parsed;
}

at::Tensor float_tensor(const nlohmann::json& j) { return to_tensor(j, at::kFloat); }
at::Tensor long_tensor(const nlohmann::json& j) { return to_tensor(j, at::kLong); }

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace rubrika::test
