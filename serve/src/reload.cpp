#include <rubrika/serve/reload.hpp>

#include <rubrika/serve/metrics.hpp>
#include <rubrika/serve/serve_errors.hpp>

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>

#include <chrono>
#include <cmath>

namespace rubrika::serve {
namespace {

using Clock = std::chrono::steady_clock;

std::string run_id_of(const ServedBackend& served) {
  const std::string& id = served.backend->info().run_id;
  return id.empty() ? "(unknown)" : id;
}

}  // namespace

void warm_up_backend(InferenceBackend& backend) {
  const std::vector<PreparedText> prepared = backend.prepare({kWarmUpText});
  if (prepared.size() != 1)
    throw Error("warm-up: the backend prepared " + std::to_string(prepared.size()) + " texts of 1");
  const std::vector<Prediction> predictions = backend.predict(prepared, PredictOptions{});
  if (predictions.size() != 1)
    throw Error("warm-up: the backend returned " + std::to_string(predictions.size()) +
                " predictions for 1 text");
  check_warm_up_answer(predictions.front());
}

void check_warm_up_answer(const Prediction& p) {
  bool finite = std::isfinite(p.confidence) && std::isfinite(p.ood.score);
  for (const auto& item : p.top_k) finite = finite && std::isfinite(item.p);
  for (const auto& item : p.label_scores) finite = finite && std::isfinite(item.p);
  if (p.error.empty() && finite) return;
  throw ModelOutputError(
      "warm-up: " +
          (p.error.empty() ? std::string("the model produced a non-finite output "
                                         "(NaN or infinite probability)")
                           : p.error) +
          "; the run is not served",
      "", "its weights may be damaged: train the run again, or serve another run");
}

Reloader::Reloader(BackendSlot& slot, BackendLoader loader, Metrics& metrics)
    : slot_(slot), loader_(std::move(loader)), metrics_(metrics) {}

ReloadResult Reloader::reload(const std::string& run_dir) {
  if (!loader_)
    throw NotAvailableError("this server cannot reload: it was started with a fixed backend");
  std::unique_lock<std::mutex> running(running_, std::try_to_lock);
  if (!running.owns_lock())
    throw ConflictError("a reload is already running", "", "wait for it to finish, then retry");
  const std::shared_ptr<const ServedBackend> previous = slot_.current();
  const std::string folder = run_dir.empty() ? previous->run_dir : run_dir;
  if (folder.empty())
    throw InputError("the backend served now has no run folder to read again", "run",
                     "name one: {\"run\": \"/path/to/run_folder\"}");
  log_info("serve", "reloading " + folder + "; " + run_id_of(*previous) + " serves meanwhile");
  const auto started = Clock::now();
  std::shared_ptr<InferenceBackend> next = load_warmed(folder);
  ReloadResult result;
  result.load_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  slot_.replace(next, folder);
  metrics_.count_reload(true);
  const std::shared_ptr<const ServedBackend> now = slot_.current();  // ours: one reload at a time
  result.run_dir = now->run_dir;
  result.run_id = next->info().run_id;
  result.previous_run_id = previous->backend->info().run_id;
  result.labels = next->labels();
  log_info("serve", "reloaded: now serving " + result.run_dir + " (" + run_id_of(*now) + ", was " +
                        run_id_of(*previous) + ") after " +
                        std::to_string(static_cast<int64_t>(result.load_ms)) + " ms");
  return result;  // the old backend is freed when its last request lets go of it
}

std::shared_ptr<InferenceBackend> Reloader::load_warmed(const std::string& run_dir) {
  const auto failed = [&](const std::string& why) {
    metrics_.count_reload(false);
    log_error("serve", "reload of " + run_dir + " failed, the previous run serves on: " + why);
  };
  try {
    std::shared_ptr<InferenceBackend> backend = loader_(run_dir);
    if (!backend) throw Error("the loader returned no backend", run_dir);
    warm_up_backend(*backend);
    return backend;
  } catch (const Error& error) {
    failed(error.what());
    throw ReloadFailedError("cannot serve " + run_dir + ": " + error.what(), "run",
                            "the previous run is still served");
  } catch (const std::exception& error) {
    failed(error.what());
    throw;
  }
}

}  // namespace rubrika::serve
