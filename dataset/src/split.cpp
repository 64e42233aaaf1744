// stratified_split: per-stratum shuffles with running totals, so that the overall part
// sizes match the fractions exactly (up to rounding once, not once per class).
#include <algorithm>
#include <cmath>
#include <map>
#include <rubrika/data/dataset.hpp>
#include <rubrika/error.hpp>
#include <rubrika/random.hpp>

namespace rubrika {

SplitIndices stratified_split(const std::vector<std::string>& strata,
                              const std::array<double, 3>& fractions, uint64_t seed) {
  const double sum = fractions[0] + fractions[1] + fractions[2];
  if (std::abs(sum - 1.0) > 1e-6 || fractions[0] <= 0 || fractions[1] < 0 || fractions[2] < 0)
    throw InputError("split fractions must be non-negative, sum to 1 and give train a share",
                     "stratified_split", "e.g. [0.72, 0.08, 0.20]");
  // std::map: strata in sorted order, so the result does not depend on row order of keys.
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < strata.size(); ++i) groups[strata[i]].push_back(i);
  SplitMix64 rng(seed);
  SplitIndices parts;
  int64_t seen = 0, validation_total = 0, test_total = 0;
  for (auto& [key, rows] : groups) {
    shuffle(rows, rng);
    const auto n = static_cast<int64_t>(rows.size());
    seen += n;
    // Running targets: what the parts should hold after this stratum, overall.
    int64_t n_val = std::clamp<int64_t>(std::llround(seen * fractions[1]) - validation_total, 0, n);
    int64_t n_test =
        std::clamp<int64_t>(std::llround(seen * fractions[2]) - test_total, 0, n - n_val);
    if (n_val + n_test == n) {  // keep one training row per stratum
      if (n_test > 0)
        --n_test;
      else
        --n_val;
    }
    validation_total += n_val;
    test_total += n_test;
    for (int64_t i = 0; i < n; ++i) {
      auto& part = i < n_val ? parts.validation : i < n_val + n_test ? parts.test : parts.train;
      part.push_back(rows[i]);
    }
  }
  std::sort(parts.train.begin(), parts.train.end());
  std::sort(parts.validation.begin(), parts.validation.end());
  std::sort(parts.test.begin(), parts.test.end());
  return parts;
}

}  // namespace rubrika
