// PendingRequest: the shared state of one request while its items go through batches.
// Completed once — by its last item, by the first failure, or by its waiter giving up at
// the deadline; later completions are ignored.
//
// A request is computed by the one backend it was prepared with (its tokens come from that
// backend's vocabulary), which it keeps alive until it is done: after a reload the old
// backend lives on until its last request finishes.
//
// The batcher's queue, deadlines and failure handling see only PendingRequest; what an
// item computes to (a Prediction for classify, a score for rerank) is the Result of
// PendingResults<Result>, which the batch runner of that kind completes.
#pragma once

#include <rubrika/prediction.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace rubrika::serve {

class InferenceBackend;

// The kinds of work the batcher batches; items of different kinds never share a batch.
enum class WorkKind { classify, rerank };

class PendingRequest {
 public:
  PendingRequest(std::shared_ptr<InferenceBackend> backend, WorkKind kind, PredictOptions options,
                 std::chrono::steady_clock::time_point deadline)
      : backend_(std::move(backend)), kind_(kind), options_(options), deadline_(deadline) {
    if (!backend_) throw std::invalid_argument("a queued request needs the backend to compute it");
  }
  virtual ~PendingRequest() = default;
  PendingRequest(const PendingRequest&) = delete;
  PendingRequest& operator=(const PendingRequest&) = delete;

  // The backend that prepared the request's texts and must compute them.
  InferenceBackend& backend() const { return *backend_; }
  WorkKind kind() const { return kind_; }
  const PredictOptions& options() const { return options_; }  // classify; defaults otherwise
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

  bool done() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
  }
  void fail(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (done_) return;
    done_ = true;
    set_error(std::move(error));
  }

 protected:
  // Hands `error` to the waiter; called once, under mutex_.
  virtual void set_error(std::exception_ptr error) = 0;

  mutable std::mutex mutex_;
  bool done_ = false;

 private:
  const std::shared_ptr<InferenceBackend> backend_;
  const WorkKind kind_;
  const PredictOptions options_;
  const std::chrono::steady_clock::time_point deadline_;
};

template <class Result>
class PendingResults final : public PendingRequest {
 public:
  PendingResults(std::shared_ptr<InferenceBackend> backend, size_t items, WorkKind kind,
                 PredictOptions options, std::chrono::steady_clock::time_point deadline)
      : PendingRequest(std::move(backend), kind, options, deadline),
        results_(items),
        remaining_(items) {}

  std::future<std::vector<Result>> future() { return promise_.get_future(); }

  void complete(size_t index, Result result) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (done_) return;
    results_[index] = std::move(result);
    if (--remaining_ == 0) {
      done_ = true;
      promise_.set_value(std::move(results_));
    }
  }

 private:
  void set_error(std::exception_ptr error) override { promise_.set_exception(std::move(error)); }

  std::promise<std::vector<Result>> promise_;
  std::vector<Result> results_;
  size_t remaining_;
};

}  // namespace rubrika::serve
