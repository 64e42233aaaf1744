// Batcher: dynamic batching between HTTP threads and the inference worker(s).
//
//   handler threads ─ run() ─► bounded queue (texts) ─► worker thread(s) ─► backend.predict
//
// A request's texts enter the queue together or not at all; a full queue rejects at once
// (OverloadError → 503) instead of growing. A worker closes a batch when choose_batch()
// says it is full (max_batch_size texts or max_batch_tokens padded tokens) or when its
// oldest text has waited max_wait_ms, whichever comes first. Texts are handed to the
// backend sorted by length. A request past its deadline gets DeadlineError (→ 504) and its
// texts still waiting are skipped, not computed.
#pragma once

#include <rubrika/serve/batch_policy.hpp>
#include <rubrika/serve/inference_backend.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rubrika::serve {

class Metrics;
class PendingRequest;

struct BatcherOptions {
  int64_t max_batch_size = 32;
  int64_t max_batch_tokens = 8192;
  int64_t max_wait_ms = 5;
  int64_t queue_capacity = 1024;  // texts
  int64_t workers = 1;
};

class Batcher {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts options.workers worker threads. `metrics` may be null.
  Batcher(InferenceBackend& backend, BatcherOptions options, Metrics* metrics = nullptr);
  ~Batcher();  // stop()
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Classifies `texts` (raw; `tokens[i]` = backend token count of texts[i]) through the
  // queue and blocks until all are done. Each Prediction gets timings_ms["queue"].
  // Throws OverloadError (queue full or stopping), DeadlineError (past `deadline`), or
  // whatever the backend threw for the batch.
  std::vector<Prediction> run(std::vector<std::string> texts, std::vector<int64_t> tokens,
                              const PredictOptions& options, Clock::time_point deadline);

  // Refuses new work, finishes every queued text, joins the workers. Idempotent.
  void stop();
  int64_t queue_depth() const;

 private:
  struct QueuedText {
    std::shared_ptr<PendingRequest> request;
    size_t index;  // position in its request
    std::string text;
    int64_t tokens;
    Clock::time_point enqueued;
  };

  void worker_loop();
  BatchChoice choose_locked() const;
  std::vector<QueuedText> take_locked(const BatchChoice& choice);
  void run_batch(std::vector<QueuedText> batch);

  InferenceBackend& backend_;
  const BatcherOptions options_;
  Metrics* metrics_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<QueuedText> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace rubrika::serve
