#include <rubrika/serve/batcher.hpp>

#include <rubrika/serve/metrics.hpp>
#include <rubrika/serve/pending_request.hpp>
#include <rubrika/serve/serve_errors.hpp>

#include <algorithm>

namespace rubrika::serve {
namespace {

double milliseconds(Batcher::Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

DeadlineError deadline_error() {
  return DeadlineError("the request was not answered within request_timeout_ms", "",
                       "retry later, send fewer texts, or raise serve.request_timeout_ms");
}

}  // namespace

Batcher::Batcher(InferenceBackend& backend, BatcherOptions options, Metrics* metrics)
    : backend_(backend), options_(options), metrics_(metrics) {
  for (int64_t i = 0; i < std::max<int64_t>(1, options_.workers); ++i)
    workers_.emplace_back([this] { worker_loop(); });
}

Batcher::~Batcher() { stop(); }

void Batcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_)
    if (worker.joinable()) worker.join();
}

int64_t Batcher::queue_depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(queue_.size());
}

std::vector<Prediction> Batcher::run(std::vector<std::string> texts, std::vector<int64_t> tokens,
                                     const PredictOptions& options, Clock::time_point deadline) {
  if (texts.empty()) return {};
  auto request = std::make_shared<PendingRequest>(texts.size(), options, deadline);
  auto result = request->future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_)
      throw OverloadError("the server is shutting down", "", "retry against another instance");
    const auto waiting = static_cast<int64_t>(queue_.size());
    if (waiting + static_cast<int64_t>(texts.size()) > options_.queue_capacity)
      throw OverloadError("the server is overloaded: " + std::to_string(waiting) + " of " +
                              std::to_string(options_.queue_capacity) + " queued texts",
                          "", "retry after the Retry-After delay");
    const auto now = Clock::now();
    for (size_t i = 0; i < texts.size(); ++i)
      queue_.push_back({request, i, std::move(texts[i]), tokens[i], now});
    if (metrics_) metrics_->set_queue_depth(static_cast<int64_t>(queue_.size()));
  }
  wake_.notify_all();
  if (result.wait_until(deadline) == std::future_status::timeout) {
    // Texts of this request still queued are skipped by the workers from now on.
    request->fail(std::make_exception_ptr(deadline_error()));
  }
  return result.get();
}

BatchChoice Batcher::choose_locked() const {
  // Only texts with the front's rerank mode share its batch: the backend takes one mode per call.
  const RerankMode mode = queue_.front().request->options().rerank;
  std::vector<int64_t> tokens;
  std::vector<size_t> positions;
  for (size_t i = 0; i < queue_.size(); ++i) {
    if (queue_[i].request->options().rerank != mode) continue;
    tokens.push_back(queue_[i].tokens);
    positions.push_back(i);
  }
  BatchChoice choice = choose_batch(tokens, {options_.max_batch_size, options_.max_batch_tokens});
  for (auto& index : choice.picked) index = positions[index];
  return choice;
}

std::vector<Batcher::QueuedText> Batcher::take_locked(const BatchChoice& choice) {
  std::vector<QueuedText> batch;
  for (size_t position : choice.picked) batch.push_back(std::move(queue_[position]));
  std::vector<size_t> positions = choice.picked;
  std::sort(positions.rbegin(), positions.rend());
  for (size_t position : positions) queue_.erase(queue_.begin() + static_cast<long>(position));
  if (metrics_) metrics_->set_queue_depth(static_cast<int64_t>(queue_.size()));
  return batch;
}

void Batcher::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    const BatchChoice choice = choose_locked();
    const auto close_at = queue_.front().enqueued + std::chrono::milliseconds(options_.max_wait_ms);
    if (!choice.full && !stopping_ && Clock::now() < close_at) {
      // Wait for more texts or the oldest one's max_wait, then look again.
      wake_.wait_until(lock, close_at);
      continue;
    }
    std::vector<QueuedText> batch = take_locked(choice);
    lock.unlock();
    run_batch(std::move(batch));
    lock.lock();
  }
}

void Batcher::run_batch(std::vector<QueuedText> batch) {
  const auto started = Clock::now();
  std::vector<QueuedText> live;
  for (auto& item : batch) {
    if (item.request->done()) continue;  // failed or timed out already
    if (started >= item.request->deadline()) {
      item.request->fail(std::make_exception_ptr(deadline_error()));
      continue;
    }
    live.push_back(std::move(item));
  }
  if (live.empty()) return;
  // Length-sorted, so a backend that splits the batch further pads little.
  std::stable_sort(live.begin(), live.end(),
                   [](const QueuedText& a, const QueuedText& b) { return a.tokens < b.tokens; });

  PredictOptions options = live.front().request->options();
  std::vector<std::string> texts;
  int64_t longest = 0;
  for (const auto& item : live) {
    options.top_k = std::max(options.top_k, item.request->options().top_k);
    options.timings = options.timings || item.request->options().timings;
    texts.push_back(item.text);
    longest = std::max(longest, item.tokens);
  }
  if (metrics_)
    metrics_->observe_batch(static_cast<int64_t>(live.size()),
                            longest * static_cast<int64_t>(live.size()));

  std::vector<Prediction> predictions;
  try {
    predictions = backend_.predict(texts, options);
    if (predictions.size() != texts.size())
      throw std::runtime_error("backend returned " + std::to_string(predictions.size()) +
                               " predictions for " + std::to_string(texts.size()) + " texts");
  } catch (...) {
    for (auto& item : live) item.request->fail(std::current_exception());
    return;
  }
  for (size_t i = 0; i < live.size(); ++i) {
    Prediction& prediction = predictions[i];
    const auto top_k = static_cast<size_t>(std::max<int64_t>(1, live[i].request->options().top_k));
    if (prediction.top_k.size() > top_k) prediction.top_k.resize(top_k);
    const double queued_ms = milliseconds(started - live[i].enqueued);
    prediction.timings_ms["queue"] = queued_ms;
    if (metrics_) metrics_->observe_stage("queue", queued_ms / 1000.0);
    live[i].request->complete(live[i].index, std::move(prediction));
  }
}

}  // namespace rubrika::serve
