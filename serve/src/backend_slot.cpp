#include <rubrika/serve/backend_slot.hpp>

#include <rubrika/utc_time.hpp>

#include <stdexcept>

namespace rubrika::serve {
namespace {

std::shared_ptr<const ServedBackend> served(std::shared_ptr<InferenceBackend> backend,
                                            std::string run_dir) {
  if (!backend) throw std::invalid_argument("the server needs a backend to serve");
  // The folder the pipeline says it was loaded from (absolute) wins over the one asked for.
  if (!backend->info().run_dir.empty()) run_dir = backend->info().run_dir;
  return std::make_shared<const ServedBackend>(
      ServedBackend{std::move(backend), std::move(run_dir), utc_now()});
}

}  // namespace

BackendSlot::BackendSlot(std::shared_ptr<InferenceBackend> backend, std::string run_dir)
    : current_(served(std::move(backend), std::move(run_dir))) {}

std::shared_ptr<const ServedBackend> BackendSlot::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

std::shared_ptr<const ServedBackend> BackendSlot::replace(std::shared_ptr<InferenceBackend> backend,
                                                          std::string run_dir) {
  auto next = served(std::move(backend), std::move(run_dir));
  std::lock_guard<std::mutex> lock(mutex_);
  std::swap(current_, next);
  ++reloads_;
  // Released by the caller, outside the lock: freeing a pipeline can take a while.
  return next;
}

int64_t BackendSlot::reloads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reloads_;
}

}  // namespace rubrika::serve
