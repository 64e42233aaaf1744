// Input checks shared by the metric functions: one message style for every metric.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rubrika::metrics::detail {

// Throws InputError unless `probabilities` is non-empty, rectangular with >= 1 column, of
// finite values, and `labels` has one id in [0, C) per row. Returns C.
int64_t check_probabilities(const std::vector<std::vector<double>>& probabilities,
                            const std::vector<int64_t>& labels, const char* metric);

// Throws InputError unless `scores` is non-empty and finite; `name` says which list.
void check_scores(const std::vector<double>& scores, const char* name, const char* metric);

// The reliability bin of a value in [0, 1]: (b / B, (b + 1) / B], 0 in the first bin,
// found by comparing with the same edges the bins report, so rounding in value * B cannot
// move a value across an edge.
int64_t reliability_bin(double value, int64_t num_bins);

// Index of the largest value (the first on ties).
int64_t argmax(const std::vector<double>& row);

}  // namespace rubrika::metrics::detail
