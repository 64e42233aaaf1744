#include <rubrika/serve/batcher.hpp>

#include <rubrika/serve/metrics.hpp>
#include <rubrika/serve/serve_errors.hpp>

#include <algorithm>
#include <stdexcept>

namespace rubrika::serve {
namespace {

double milliseconds(Batcher::Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

DeadlineError deadline_error() {
  return DeadlineError("the request was not answered within request_timeout_ms", "",
                       "retry later, send fewer texts, or raise serve.request_timeout_ms");
}

// Blocks until `request` is complete or its deadline passes; then its items still queued
// are skipped by the workers.
template <class Result>
std::vector<Result> wait_for(PendingResults<Result>& request,
                             std::future<std::vector<Result>>& result) {
  if (result.wait_until(request.deadline()) == std::future_status::timeout)
    request.fail(std::make_exception_ptr(deadline_error()));
  return result.get();
}

// Whether two queued requests' items may share one backend call.
bool same_batch(const PendingRequest& a, const PendingRequest& b) {
  if (&a.backend() != &b.backend() || a.kind() != b.kind()) return false;
  // The backend's predict takes one rerank mode per call.
  return a.kind() != WorkKind::classify || a.options().rerank == b.options().rerank;
}

}  // namespace

Batcher::Batcher(BatcherOptions options, Metrics* metrics) : options_(options), metrics_(metrics) {
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

std::vector<Prediction> Batcher::classify(std::shared_ptr<InferenceBackend> backend,
                                          std::vector<PreparedText> texts,
                                          const PredictOptions& options,
                                          Clock::time_point deadline) {
  if (texts.empty()) return {};
  auto request = std::make_shared<PendingResults<Prediction>>(
      std::move(backend), texts.size(), WorkKind::classify, options, deadline);
  auto result = request->future();
  std::vector<QueuedItem> items;
  items.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const int64_t tokens = texts[i].token_count;
    items.push_back({request, i, std::make_shared<PreparedText>(std::move(texts[i])), "", tokens,
                     Clock::time_point{}});
  }
  enqueue(std::move(items));
  return wait_for(*request, result);
}

std::vector<double> Batcher::rerank(std::shared_ptr<InferenceBackend> backend, PreparedText text,
                                    std::vector<std::string> candidates,
                                    Clock::time_point deadline) {
  if (candidates.empty()) return {};
  auto request = std::make_shared<PendingResults<double>>(
      std::move(backend), candidates.size(), WorkKind::rerank, PredictOptions{}, deadline);
  auto result = request->future();
  const int64_t tokens = text.token_count;
  auto shared = std::make_shared<PreparedText>(std::move(text));
  std::vector<QueuedItem> items;
  items.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i)
    items.push_back({request, i, shared, std::move(candidates[i]), tokens, Clock::time_point{}});
  enqueue(std::move(items));
  return wait_for(*request, result);
}

void Batcher::check_room(int64_t items) const {
  std::lock_guard<std::mutex> lock(mutex_);
  check_room_locked(items);
}

bool Batcher::full() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(queue_.size()) >= options_.queue_capacity ||
         (options_.max_queue_wait_ms > 0 &&
          queued_work_ms_locked(0) >= static_cast<double>(options_.max_queue_wait_ms));
}

double Batcher::queued_work_ms_locked(int64_t tokens) const {
  return static_cast<double>(queued_tokens_ + tokens) * seconds_per_token_ * 1000.0;
}

void Batcher::check_work_locked(const std::vector<QueuedItem>& items) const {
  int64_t tokens = 0;
  for (const auto& item : items) {
    if (item.tokens > options_.max_batch_tokens)
      throw PayloadTooLargeError(
          "a text of " + std::to_string(item.tokens) + " tokens can never fit a batch of " +
              std::to_string(options_.max_batch_tokens) + " tokens ([serve] max_batch_tokens)",
          "texts", "send shorter texts or raise max_batch_tokens");
    tokens += item.tokens;
  }
  // An empty queue admits any request: its wait is its own computation.
  if (options_.max_queue_wait_ms <= 0 || queue_.empty()) return;
  const double work_ms = queued_work_ms_locked(tokens);
  if (work_ms > static_cast<double>(options_.max_queue_wait_ms))
    throw OverloadError("the server is overloaded: the queue holds about " +
                            std::to_string(static_cast<int64_t>(work_ms)) +
                            " ms of work with this request, more than max_queue_wait_ms (" +
                            std::to_string(options_.max_queue_wait_ms) + ")",
                        "", "retry after the Retry-After delay");
}

void Batcher::check_room_locked(int64_t items) const {
  if (stopping_)
    throw OverloadError("the server is shutting down", "", "retry against another instance");
  const auto waiting = static_cast<int64_t>(queue_.size());
  if (waiting + items > options_.queue_capacity)
    throw OverloadError("the server is overloaded: " + std::to_string(waiting) + " of " +
                            std::to_string(options_.queue_capacity) + " queued texts",
                        "", "retry after the Retry-After delay");
}

void Batcher::enqueue(std::vector<QueuedItem> items) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    check_room_locked(static_cast<int64_t>(items.size()));
    check_work_locked(items);
    const auto now = Clock::now();
    for (auto& item : items) {
      item.enqueued = now;
      queued_tokens_ += item.tokens;
      queue_.push_back(std::move(item));
    }
    if (metrics_) metrics_->set_queue_depth(static_cast<int64_t>(queue_.size()));
  }
  wake_.notify_all();
}

BatchChoice Batcher::choose_locked() const {
  // Only items that can share the front's backend call (same backend, kind and mode) are
  // candidates for its batch; the others wait for a batch of their own.
  const PendingRequest& front = *queue_.front().request;
  std::vector<int64_t> tokens;
  std::vector<size_t> positions;
  for (size_t i = 0; i < queue_.size(); ++i) {
    if (!same_batch(front, *queue_[i].request)) continue;
    tokens.push_back(queue_[i].tokens);
    positions.push_back(i);
  }
  BatchChoice choice = choose_batch(tokens, {options_.max_batch_size, options_.max_batch_tokens});
  for (auto& index : choice.picked) index = positions[index];
  return choice;
}

std::vector<Batcher::QueuedItem> Batcher::take_locked(const BatchChoice& choice) {
  std::vector<QueuedItem> batch;
  for (size_t position : choice.picked) {
    queued_tokens_ -= queue_[position].tokens;
    batch.push_back(std::move(queue_[position]));
  }
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
      // Wait for more items or the oldest one's max_wait, then look again.
      wake_.wait_until(lock, close_at);
      continue;
    }
    std::vector<QueuedItem> batch = take_locked(choice);
    lock.unlock();
    const auto started = Clock::now();
    const int64_t computed_tokens = run_batch(std::move(batch));
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    lock.lock();
    if (computed_tokens > 0) note_batch_speed_locked(computed_tokens, seconds);
  }
}

void Batcher::note_batch_speed_locked(int64_t tokens, double seconds) {
  // A moving average over about the last five batches: recent enough to follow a reload or
  // a change of text lengths, smooth enough not to follow one slow batch.
  const double sample = seconds / static_cast<double>(tokens);
  seconds_per_token_ = seconds_per_token_ == 0 ? sample : 0.8 * seconds_per_token_ + 0.2 * sample;
}

int64_t Batcher::run_batch(std::vector<QueuedItem> batch) {
  const auto started = Clock::now();
  std::vector<QueuedItem> live;
  for (auto& item : batch) {
    if (item.request->done()) continue;  // failed or timed out already
    if (started >= item.request->deadline()) {
      item.request->fail(std::make_exception_ptr(deadline_error()));
      continue;
    }
    live.push_back(std::move(item));
  }
  if (live.empty()) return 0;
  int64_t tokens = 0;
  for (const auto& item : live) tokens += item.tokens;
  // Length-sorted, so a backend that splits the batch further pads little.
  std::stable_sort(live.begin(), live.end(),
                   [](const QueuedItem& a, const QueuedItem& b) { return a.tokens < b.tokens; });
  if (metrics_)
    metrics_->observe_batch(static_cast<int64_t>(live.size()),
                            live.back().tokens * static_cast<int64_t>(live.size()));
  try {
    switch (live.front().request->kind()) {
      case WorkKind::classify:
        run_classify(live, started);
        break;
      case WorkKind::rerank:
        run_rerank(live);
        break;
    }
  } catch (...) {
    for (auto& item : live) item.request->fail(std::current_exception());
  }
  return tokens;
}

void Batcher::run_classify(std::vector<QueuedItem>& batch, Clock::time_point started) {
  PredictOptions options = batch.front().request->options();
  std::vector<PreparedText> texts;
  texts.reserve(batch.size());
  for (auto& item : batch) {
    options.top_k = std::max(options.top_k, item.request->options().top_k);
    options.timings = options.timings || item.request->options().timings;
    texts.push_back(std::move(*item.text));  // a classify item is its text's only owner
  }
  std::vector<Prediction> predictions = batch.front().request->backend().predict(texts, options);
  if (predictions.size() != texts.size())
    throw std::runtime_error("backend returned " + std::to_string(predictions.size()) +
                             " predictions for " + std::to_string(texts.size()) + " texts");
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& request = static_cast<PendingResults<Prediction>&>(*batch[i].request);
    Prediction& prediction = predictions[i];
    if (!prediction.error.empty()) {  // no answer for this text: its request fails, not others
      request.fail(std::make_exception_ptr(
          ModelOutputError(prediction.error, "texts[" + std::to_string(batch[i].index) + "]",
                           "the served run may be damaged; see the server log")));
      continue;
    }
    const auto top_k = static_cast<size_t>(std::max<int64_t>(1, request.options().top_k));
    if (prediction.top_k.size() > top_k) prediction.top_k.resize(top_k);
    const double queued_ms = milliseconds(started - batch[i].enqueued);
    prediction.timings_ms["queue"] = queued_ms;
    if (metrics_) metrics_->observe_stage("queue", queued_ms / 1000.0);
    request.complete(batch[i].index, std::move(prediction));
  }
}

void Batcher::run_rerank(std::vector<QueuedItem>& batch) {
  std::vector<std::string> texts, candidates;
  texts.reserve(batch.size());
  candidates.reserve(batch.size());
  for (const auto& item : batch) {
    texts.push_back(item.text->normalized);
    candidates.push_back(item.candidate);
  }
  const std::vector<double> scores = batch.front().request->backend().rerank(texts, candidates);
  if (scores.size() != batch.size())
    throw std::runtime_error("reranker returned " + std::to_string(scores.size()) + " scores for " +
                             std::to_string(batch.size()) + " pairs");
  for (size_t i = 0; i < batch.size(); ++i)
    static_cast<PendingResults<double>&>(*batch[i].request).complete(batch[i].index, scores[i]);
}

}  // namespace rubrika::serve
