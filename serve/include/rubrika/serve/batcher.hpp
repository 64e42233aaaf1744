// Batcher: dynamic batching between request threads and the inference worker(s), for every
// kind of model work the server does.
//
//   handler threads ─ classify() / rerank() ─► bounded queue (prepared items)
//                   ─► worker thread(s) ─► backend.predict / backend.rerank
//
// Items arrive prepared (normalised and tokenised once, on the request thread): a classify
// text is one item, a rerank request one item per (text, candidate) pair. Token counts for
// the budget are read from the prepared items. A request's items enter the queue together
// or not at all; a full queue rejects at once (OverloadError → 503) instead of growing. A
// worker closes a batch when choose_batch() says it is full (max_batch_size items or
// max_batch_tokens padded tokens) or when its oldest item has waited max_wait_ms, whichever
// comes first. A batch holds one kind of work (and, for classify, one rerank mode) of one
// backend; its items are handed to the backend sorted by length.
//
// Each call names the backend that prepared its texts (the server's snapshot of the one it
// serves, see backend_slot.hpp), and only that backend computes them: after a reload, texts
// tokenised by the old pipeline's vocabulary are never fed to the new one, and the two
// never share a batch. A request past its deadline gets
// DeadlineError (→ 504) and its items still waiting are skipped, not computed. No route
// calls the model except through here.
#pragma once

#include <rubrika/serve/batch_policy.hpp>
#include <rubrika/serve/inference_backend.hpp>
#include <rubrika/serve/pending_request.hpp>

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

struct BatcherOptions {
  int64_t max_batch_size = 32;
  int64_t max_batch_tokens = 8192;
  int64_t max_wait_ms = 5;
  int64_t queue_capacity = 1024;  // items: classify texts and rerank pairs
  int64_t workers = 1;
  // Admission by work: a request is refused (503) when the work queued ahead of it plus its
  // own — its tokens at the seconds per token the recent batches took — would take longer
  // than this. 0: only queue_capacity bounds the queue.
  int64_t max_queue_wait_ms = 0;
};

class Batcher {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts options.workers worker threads. `metrics` may be null.
  explicit Batcher(BatcherOptions options, Metrics* metrics = nullptr);
  ~Batcher();  // stop()
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Classifies texts `backend` prepared through the queue, on `backend`, and blocks until
  // all are done; one Prediction per text, in order, each with timings_ms["queue"].
  // Throws OverloadError (queue full or stopping), DeadlineError (past `deadline`), or
  // whatever the backend threw for the batch.
  std::vector<Prediction> classify(std::shared_ptr<InferenceBackend> backend,
                                   std::vector<PreparedText> texts, const PredictOptions& options,
                                   Clock::time_point deadline);

  // Reranker scores of `candidates` (known label names) for one prepared text, in candidate
  // order, through the same queue: each (text, candidate) pair is one item, counted as the
  // text's tokens. Throws as classify() does.
  std::vector<double> rerank(std::shared_ptr<InferenceBackend> backend, PreparedText text,
                             std::vector<std::string> candidates, Clock::time_point deadline);

  // Throws OverloadError when `items` more would not fit the queue now (or it is stopping),
  // so that a request is refused before anything is normalised or tokenised for it: a 503
  // under overload costs next to nothing. classify() and rerank() check again as they queue.
  void check_room(int64_t items) const;

  // Refuses new work, finishes every queued item, joins the workers. Idempotent.
  void stop();
  int64_t queue_depth() const;
  // Whether the queue holds as many items, or as much work, as it may (readiness says so).
  bool full() const;

 private:
  struct QueuedItem {
    std::shared_ptr<PendingRequest> request;
    size_t index;                        // position in its request
    std::shared_ptr<PreparedText> text;  // classify: this item's own; rerank: the request's
    std::string candidate;               // rerank: the label scored against the text
    int64_t tokens;
    Clock::time_point enqueued;
  };

  // Throws OverloadError when `items` more would not fit (mutex_ held).
  void check_room_locked(int64_t items) const;
  // Throws PayloadTooLargeError for an item no batch can hold, OverloadError when `tokens`
  // more would pass max_queue_wait_ms (mutex_ held).
  void check_work_locked(const std::vector<QueuedItem>& items) const;
  // The milliseconds the queued work plus `tokens` more would take (0 before any batch ran).
  double queued_work_ms_locked(int64_t tokens) const;
  // Queues a request's items whole, or throws.
  void enqueue(std::vector<QueuedItem> items);
  void worker_loop();
  BatchChoice choose_locked() const;
  std::vector<QueuedItem> take_locked(const BatchChoice& choice);
  // Computes the batch's items still wanted; returns their tokens (0: none was computed).
  int64_t run_batch(std::vector<QueuedItem> batch);
  void note_batch_speed_locked(int64_t tokens, double seconds);
  // One backend call for a batch of one kind; completes or fails each item's request.
  void run_classify(std::vector<QueuedItem>& batch, Clock::time_point started);
  void run_rerank(std::vector<QueuedItem>& batch);

  const BatcherOptions options_;
  Metrics* metrics_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<QueuedItem> queue_;
  int64_t queued_tokens_ = 0;     // tokens of the items in queue_
  double seconds_per_token_ = 0;  // moving average over recent batches; 0: none ran yet
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace rubrika::serve
