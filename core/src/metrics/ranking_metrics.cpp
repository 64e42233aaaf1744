#include <rubrika/metrics/ranking_metrics.hpp>

#include <cmath>

namespace rubrika {

RankingMetrics ranking_metrics(const std::vector<int64_t>& ranks, int64_t k) {
  RankingMetrics m;
  m.n = static_cast<int64_t>(ranks.size());
  if (m.n == 0) return m;
  for (int64_t rank : ranks) {
    if (rank < 1 || rank > k) continue;
    m.mrr += 1.0 / static_cast<double>(rank);
    m.ndcg += 1.0 / std::log2(static_cast<double>(rank) + 1.0);
    m.top1 += rank == 1 ? 1.0 : 0.0;
  }
  m.mrr /= static_cast<double>(m.n);
  m.ndcg /= static_cast<double>(m.n);
  m.top1 /= static_cast<double>(m.n);
  return m;
}

}  // namespace rubrika
