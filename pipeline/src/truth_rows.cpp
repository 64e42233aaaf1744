#include <rubrika/multilabel_evaluation.hpp>

namespace rubrika {

std::vector<std::vector<bool>> truth_rows(const std::vector<std::vector<float>>& multi_hot) {
  std::vector<std::vector<bool>> rows;
  rows.reserve(multi_hot.size());
  for (const auto& row : multi_hot) {
    std::vector<bool> truth;
    truth.reserve(row.size());
    for (float value : row) truth.push_back(value > 0.5f);
    rows.push_back(std::move(truth));
  }
  return rows;
}

}  // namespace rubrika
