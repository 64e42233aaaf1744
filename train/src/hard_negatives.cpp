#include <rubrika/error.hpp>
#include <rubrika/random.hpp>
#include <rubrika/rerank/hard_negatives.hpp>

#include <algorithm>
#include <numeric>

namespace rubrika {

std::vector<MinedNegative> mine_hard_negatives(const std::vector<double>& scores,
                                               int64_t num_labels,
                                               const std::vector<int64_t>& positives,
                                               const MiningOptions& o, MiningStats& stats) {
  const auto texts = static_cast<int64_t>(positives.size());
  if (num_labels < 2 || static_cast<int64_t>(scores.size()) != texts * num_labels)
    throw InputError("score matrix is " + std::to_string(scores.size()) + " values for " +
                     std::to_string(texts) + " texts × " + std::to_string(num_labels) + " labels");
  SplitMix64 rng(o.seed);
  std::vector<MinedNegative> mined;
  stats = MiningStats{};
  stats.texts = texts;
  for (int64_t t = 0; t < texts; ++t) {
    const double* row = scores.data() + t * num_labels;
    const int64_t positive = positives[static_cast<size_t>(t)];
    if (positive < 0 || positive >= num_labels)
      throw InputError("text " + std::to_string(t) + " has label id " + std::to_string(positive) +
                       " outside [0, " + std::to_string(num_labels) + ")");
    std::vector<int64_t> negatives;
    for (int64_t l = 0; l < num_labels; ++l)
      if (l != positive) negatives.push_back(l);
    if (o.strategy == MiningStrategy::random) {
      shuffle(negatives, rng);
    } else {
      std::stable_sort(negatives.begin(), negatives.end(),
                       [&](int64_t a, int64_t b) { return row[a] > row[b]; });
    }
    const double positive_score = row[positive];
    int64_t kept_here = 0;
    for (int64_t rank = 0; rank < static_cast<int64_t>(negatives.size()); ++rank) {
      const int64_t label = negatives[static_cast<size_t>(rank)];
      const double score = row[label];
      ++stats.candidates_seen;
      if (rank < o.range_min || rank >= o.range_max) {
        ++stats.dropped_window;
      } else if (score > o.max_score) {
        ++stats.dropped_max_score;
      } else if (o.absolute_margin > 0 && score > positive_score - o.absolute_margin) {
        ++stats.dropped_absolute_margin;
      } else if (o.relative_margin > 0 && score > positive_score * (1.0 - o.relative_margin)) {
        ++stats.dropped_relative_margin;
      } else if (kept_here >= o.num_negatives) {
        ++stats.dropped_count;
      } else {
        mined.push_back({t, label, rank, score});
        ++kept_here;
        ++stats.kept;
      }
    }
    if (kept_here == 0) ++stats.texts_without_negative;
  }
  return mined;
}

}  // namespace rubrika
