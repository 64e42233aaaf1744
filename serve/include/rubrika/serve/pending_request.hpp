// PendingRequest: the shared state of one request while its texts go through batches.
// Completed once — by its last text, by the first failure, or by its waiter giving up at
// the deadline; later completions are ignored.
#pragma once

#include <rubrika/prediction.hpp>

#include <chrono>
#include <exception>
#include <future>
#include <mutex>
#include <vector>

namespace rubrika::serve {

class PendingRequest {
 public:
  PendingRequest(size_t texts, PredictOptions options,
                 std::chrono::steady_clock::time_point deadline)
      : results_(texts), remaining_(texts), options_(options), deadline_(deadline) {}

  const PredictOptions& options() const { return options_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }
  std::future<std::vector<Prediction>> future() { return promise_.get_future(); }

  bool done() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
  }
  void complete(size_t index, Prediction prediction) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (done_) return;
    results_[index] = std::move(prediction);
    if (--remaining_ == 0) {
      done_ = true;
      promise_.set_value(std::move(results_));
    }
  }
  void fail(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (done_) return;
    done_ = true;
    promise_.set_exception(std::move(error));
  }

 private:
  mutable std::mutex mutex_;
  std::promise<std::vector<Prediction>> promise_;
  std::vector<Prediction> results_;
  size_t remaining_;
  bool done_ = false;
  PredictOptions options_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace rubrika::serve
