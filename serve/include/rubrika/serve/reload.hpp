// Reloader: switches the served run with no downtime — POST /admin/reload and SIGHUP.
//
// reload(run_dir) runs on its caller's thread (a request thread, or the one the signal
// starts; never a batcher worker) while the old backend keeps serving: it loads the run
// through the injected loader, warms the new backend up with one prediction on that same
// thread, and only then switches the BackendSlot. Requests already holding the old backend
// finish on it (backend_slot.hpp).
//
// One reload at a time: a reload asked for while one runs gets ConflictError (409) at once.
// A run that fails to load or warm up leaves the old backend serving; the failure is
// logged (log_error), counted as rubrika_reloads_total{result="failed"}, and thrown as
// ReloadFailedError (422) carrying the loader's own message (an ArtifactError names the
// path) — or rethrown as it is when it is not a rubrika::Error (a bug: 500).
#pragma once

#include <rubrika/serve/backend_slot.hpp>
#include <rubrika/serve/inference_backend.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rubrika::serve {

class Metrics;

// Builds the backend of a run folder: Pipeline::load + PipelineBackend in `rubrika serve`
// (pipeline_backend.hpp: pipeline_loader), fakes in tests. Throws what loading throws.
using BackendLoader = std::function<std::shared_ptr<InferenceBackend>(const std::string& run_dir)>;

// The text of the one prediction that warms a backend up before it serves.
inline constexpr const char* kWarmUpText = "Проверка связи: прогрев модели перед первым запросом.";

// What POST /admin/reload answers.
struct ReloadResult {
  std::string run_dir;          // the run folder served now
  std::string run_id;           // its PipelineInfo::run_id
  std::string previous_run_id;  // the run_id served before the switch
  double load_ms = 0.0;         // loading plus warm-up
  std::vector<std::string> labels;
};

class Reloader {
 public:
  // `loader` may be empty (a server given one fixed backend): reload() then throws
  // NotAvailableError (501).
  Reloader(BackendSlot& slot, BackendLoader loader, Metrics& metrics);

  // Serves `run_dir` ("": the folder served now, read again from disk) once it has loaded
  // and warmed up. Throws ConflictError, InputError (no folder to read again),
  // ReloadFailedError, or an unexpected exception; the old backend serves on after each.
  ReloadResult reload(const std::string& run_dir);

 private:
  // Loads and warms up `run_dir`; on failure logs, counts and throws as described above.
  std::shared_ptr<InferenceBackend> load_warmed(const std::string& run_dir);

  BackendSlot& slot_;
  const BackendLoader loader_;
  Metrics& metrics_;
  std::mutex running_;  // held for a whole reload
};

// One prediction of kWarmUpText through `backend` (prepare, then predict), which loads its
// lazy state. Throws what the backend throws, Error for a wrong number of results, or
// ModelOutputError when the answer is not finite (check_warm_up_answer).
void warm_up_backend(InferenceBackend& backend);

// Throws ModelOutputError when the warm-up answer has no answer (Prediction::error) or a
// NaN or infinite probability: a run that cannot answer the warm-up text is never served.
void check_warm_up_answer(const Prediction& prediction);

}  // namespace rubrika::serve
