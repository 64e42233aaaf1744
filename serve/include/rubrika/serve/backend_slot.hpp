// BackendSlot: the backend the server serves now, replaceable while requests run.
//
// A request takes one snapshot with current() at its start and uses that backend for
// everything it does — reading labels, preparing (normalising, tokenising) its texts and,
// through the batcher, computing them — so a text is never tokenised by one pipeline and
// computed by another. replace() switches the slot in one step under a mutex; requests
// holding the previous snapshot finish on it, and the previous backend is freed when the
// last of them lets go (shared_ptr).
#pragma once

#include <rubrika/serve/inference_backend.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace rubrika::serve {

// One backend as served: what it is, where it came from, since when.
struct ServedBackend {
  std::shared_ptr<InferenceBackend> backend;
  std::string run_dir;    // the run folder it was loaded from; "" when not known
  std::string loaded_at;  // when it started serving, UTC ISO 8601 ("2026-12-02T10:00:00Z")
};

class BackendSlot {
 public:
  // Serves `backend` (not null) from `run_dir` ("": its info().run_dir).
  explicit BackendSlot(std::shared_ptr<InferenceBackend> backend, std::string run_dir = "");

  // The backend serving now; hold the snapshot for the whole request.
  std::shared_ptr<const ServedBackend> current() const;
  // Serves `backend` (loaded from `run_dir`) from now on and counts a reload; returns the
  // snapshot that served until now.
  std::shared_ptr<const ServedBackend> replace(std::shared_ptr<InferenceBackend> backend,
                                               std::string run_dir);
  // Successful replace() calls so far.
  int64_t reloads() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ServedBackend> current_;
  int64_t reloads_ = 0;
};

}  // namespace rubrika::serve
