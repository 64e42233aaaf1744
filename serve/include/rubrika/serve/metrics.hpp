// Metrics: the server's counters, gauges and histograms, rendered as Prometheus text
// exposition (format 0.0.4) for GET /metrics. Thread-safe; every method is cheap.
//
//   rubrika_requests_total{route,status}     counter    requests answered
//   rubrika_request_duration_seconds{route}  histogram  end-to-end latency
//   rubrika_stage_duration_seconds{stage}    histogram  per classified text: queue,
//                                                       normalize, tokenize, forward, ood,
//                                                       rerank
//   rubrika_batch_size                       histogram  items (texts, rerank pairs) per batch
//   rubrika_batch_tokens                     histogram  padded tokens per batch (longest ×
//                                                       items)
//   rubrika_queue_depth                      gauge      items waiting for a batch
//   rubrika_texts_total                      counter    texts classified
//   rubrika_reranked_total / rubrika_ood_total / rubrika_other_total
//                                            counters   texts reranked / flagged OOD /
//                                                       rejected as "Other" (rates: divide
//                                                       by rubrika_texts_total)
//   rubrika_reloads_total{result}            counter    run reloads (POST /admin/reload,
//                                                       SIGHUP): result="ok" switched,
//                                                       "failed" did not load or warm up
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rubrika::serve {

// Cumulative-bucket histogram as Prometheus expects it.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // Appends `name_bucket{labels,le=...}`, `name_sum` and `name_count` lines.
  void render(std::string& out, const std::string& name, const std::string& labels) const;
  uint64_t count() const { return count_; }

 private:
  std::vector<double> upper_bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last one is +Inf
  double sum_ = 0.0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  // `route` should come from the routes table (unknown paths as "unmatched") so that
  // label values stay few.
  void count_request(const std::string& route, int status, double seconds);
  void observe_stage(const std::string& stage, double seconds);
  void observe_batch(int64_t texts, int64_t padded_tokens);
  void set_queue_depth(int64_t texts);
  void count_texts(int64_t texts, int64_t reranked, int64_t ood, int64_t other);
  // One reload that switched to its run (ok) or left the old one serving (!ok).
  void count_reload(bool ok);

  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> request_seconds_;
  std::map<std::string, Histogram> stage_seconds_;
  Histogram batch_size_{{1, 2, 4, 8, 16, 32, 64, 128, 256}};
  Histogram batch_tokens_{{64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768}};
  int64_t queue_depth_ = 0;
  uint64_t texts_ = 0, reranked_ = 0, ood_ = 0, other_ = 0;
  uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
};

}  // namespace rubrika::serve
