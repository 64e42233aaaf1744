// Ranking metrics for one relevant item per query (the text's true label among the
// candidate labels): MRR@k, nDCG@k, top-1 accuracy.
#pragma once

#include <cstdint>
#include <vector>

namespace rubrika {

struct RankingMetrics {
  int64_t n = 0;      // queries
  double mrr = 0.0;   // mean of 1/rank (0 when the true label is not in the top k)
  double ndcg = 0.0;  // mean of 1/log2(rank + 1) (ideal DCG is 1 with one relevant item)
  double top1 = 0.0;  // share of queries whose first candidate is the true label
};

// `ranks[i]` is the 1-based rank of query i's true label in its candidate list, or 0 when
// absent; ranks beyond k count as absent.
RankingMetrics ranking_metrics(const std::vector<int64_t>& ranks, int64_t k);

}  // namespace rubrika
