#include <rubrika/serve/metrics.hpp>

#include <algorithm>
#include <cstdio>

namespace rubrika::serve {
namespace {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

void header(std::string& out, const std::string& name, const std::string& type,
            const std::string& help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

Histogram& histogram_for(std::map<std::string, Histogram>& family, const std::string& key) {
  auto it = family.find(key);
  if (it == family.end()) it = family.emplace(key, Histogram(latency_buckets())).first;
  return it->second;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto bucket = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  ++counts_[static_cast<size_t>(bucket - upper_bounds_.begin())];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string prefix = labels.empty() ? "" : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{" + prefix + "le=\"" + number(upper_bounds_[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + number(sum_) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

void Metrics::count_request(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, status}];
  histogram_for(request_seconds_, route).observe(seconds);
}

void Metrics::observe_stage(const std::string& stage, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  histogram_for(stage_seconds_, stage).observe(seconds);
}

void Metrics::observe_batch(int64_t texts, int64_t padded_tokens) {
  std::lock_guard<std::mutex> lock(mutex_);
  batch_size_.observe(static_cast<double>(texts));
  batch_tokens_.observe(static_cast<double>(padded_tokens));
}

void Metrics::set_queue_depth(int64_t texts) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_depth_ = texts;
}

void Metrics::count_texts(int64_t texts, int64_t reranked, int64_t ood, int64_t other) {
  std::lock_guard<std::mutex> lock(mutex_);
  texts_ += static_cast<uint64_t>(texts);
  reranked_ += static_cast<uint64_t>(reranked);
  ood_ += static_cast<uint64_t>(ood);
  other_ += static_cast<uint64_t>(other);
}

void Metrics::count_reload(bool ok) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++(ok ? reloads_ok_ : reloads_failed_);
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  header(out, "rubrika_requests_total", "counter", "HTTP requests answered, by route and status.");
  for (const auto& [key, count] : requests_)
    out += "rubrika_requests_total{route=\"" + key.first + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  header(out, "rubrika_request_duration_seconds", "histogram", "End-to-end request latency.");
  for (const auto& [route, histogram] : request_seconds_)
    histogram.render(out, "rubrika_request_duration_seconds", "route=\"" + route + "\"");
  header(out, "rubrika_stage_duration_seconds", "histogram",
         "Per-text latency of each stage (queue wait, then the pipeline's stages).");
  for (const auto& [stage, histogram] : stage_seconds_)
    histogram.render(out, "rubrika_stage_duration_seconds", "stage=\"" + stage + "\"");
  header(out, "rubrika_batch_size", "histogram", "Texts per inference batch.");
  batch_size_.render(out, "rubrika_batch_size", "");
  header(out, "rubrika_batch_tokens", "histogram",
         "Padded tokens per batch (longest text x texts).");
  batch_tokens_.render(out, "rubrika_batch_tokens", "");
  header(out, "rubrika_queue_depth", "gauge", "Texts waiting in the queue for a batch.");
  out += "rubrika_queue_depth " + std::to_string(queue_depth_) + "\n";
  header(out, "rubrika_texts_total", "counter", "Texts classified.");
  out += "rubrika_texts_total " + std::to_string(texts_) + "\n";
  header(out, "rubrika_reranked_total", "counter", "Texts the reranker rescored.");
  out += "rubrika_reranked_total " + std::to_string(reranked_) + "\n";
  header(out, "rubrika_ood_total", "counter", "Texts flagged out-of-domain.");
  out += "rubrika_ood_total " + std::to_string(ood_) + "\n";
  header(out, "rubrika_other_total", "counter", "Texts rejected as the Other label.");
  out += "rubrika_other_total " + std::to_string(other_) + "\n";
  header(out, "rubrika_reloads_total", "counter",
         "Run reloads: ok switched to the new run, failed left the old one serving.");
  out += "rubrika_reloads_total{result=\"ok\"} " + std::to_string(reloads_ok_) + "\n";
  out += "rubrika_reloads_total{result=\"failed\"} " + std::to_string(reloads_failed_) + "\n";
  return out;
}

}  // namespace rubrika::serve
