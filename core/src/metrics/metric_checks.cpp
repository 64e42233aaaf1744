#include "metric_checks.hpp"

#include <rubrika/error.hpp>

#include <algorithm>
#include <cmath>

namespace rubrika::metrics::detail {

int64_t check_probabilities(const std::vector<std::vector<double>>& probabilities,
                            const std::vector<int64_t>& labels, const char* metric) {
  const std::string where = metric;
  if (probabilities.empty())
    throw InputError("no rows to compute the metric on", where, "pass at least one text");
  if (probabilities.size() != labels.size())
    throw InputError("got " + std::to_string(probabilities.size()) + " probability rows but " +
                         std::to_string(labels.size()) + " labels",
                     where, "pass one label per row");
  const size_t classes = probabilities.front().size();
  if (classes == 0) throw InputError("probability rows have no columns", where);
  for (size_t i = 0; i < probabilities.size(); ++i) {
    const auto& row = probabilities[i];
    if (row.size() != classes)
      throw InputError("row " + std::to_string(i) + " has " + std::to_string(row.size()) +
                           " probabilities, row 0 has " + std::to_string(classes),
                       where, "every row needs one probability per class");
    for (double p : row)
      if (!std::isfinite(p))
        throw InputError("row " + std::to_string(i) + " has a non-finite probability", where);
    if (labels[i] < 0 || labels[i] >= static_cast<int64_t>(classes))
      throw InputError("label " + std::to_string(labels[i]) + " of row " + std::to_string(i) +
                           " is outside [0, " + std::to_string(classes) + ")",
                       where);
  }
  return static_cast<int64_t>(classes);
}

void check_scores(const std::vector<double>& scores, const char* name, const char* metric) {
  if (scores.empty())
    throw InputError(std::string("no ") + name + " scores", metric,
                     "pass at least one in-domain and one out-of-domain score");
  for (size_t i = 0; i < scores.size(); ++i)
    if (!std::isfinite(scores[i]))
      throw InputError(std::string(name) + " score " + std::to_string(i) + " is not finite",
                       metric);
}

int64_t argmax(const std::vector<double>& row) {
  int64_t best = 0;
  for (size_t c = 1; c < row.size(); ++c)
    if (row[c] > row[best]) best = static_cast<int64_t>(c);
  return best;
}

int64_t reliability_bin(double value, int64_t num_bins) {
  const double b = static_cast<double>(num_bins);
  int64_t index = static_cast<int64_t>(std::ceil(value * b)) - 1;
  index = std::clamp<int64_t>(index, 0, num_bins - 1);
  while (index > 0 && value <= static_cast<double>(index) / b) --index;
  while (index < num_bins - 1 && value > static_cast<double>(index + 1) / b) ++index;
  return index;
}

}  // namespace rubrika::metrics::detail
