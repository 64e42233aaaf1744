// Service: the server's behaviour, one method per route, independent of HTTP plumbing.
//
// handle() finds the route in the routes table (routes.hpp), calls its method, turns any
// exception into a JSON error response through error_response() (the one mapping), and
// counts the request in the metrics. The HTTP adapter (http_server.hpp) only converts
// between Beast messages and HttpRequest/HttpResponse, so every behaviour is tested here
// without sockets.
//
// The backend served is held in a BackendSlot: each request takes one snapshot of it and
// uses it throughout (labels, prepare, the batcher), so POST /admin/reload and SIGHUP
// (reload.hpp) can switch runs while requests are in flight.
#pragma once

#include <rubrika/serve/backend_slot.hpp>
#include <rubrika/serve/batcher.hpp>
#include <rubrika/serve/http_types.hpp>
#include <rubrika/serve/inference_backend.hpp>
#include <rubrika/serve/metrics.hpp>
#include <rubrika/serve/reload.hpp>
#include <rubrika/serve/request_parsing.hpp>
#include <rubrika/serve/serve_options.hpp>

#include <atomic>
#include <memory>

namespace rubrika::serve {

class Service {
 public:
  // Serves `backend` and starts the batcher's workers; not ready until warm_up() succeeds.
  // `loader` builds the backends of later reloads; without one, reloads answer 501.
  Service(std::shared_ptr<InferenceBackend> backend, ServeOptions options,
          BackendLoader loader = {});
  // Serves `backend`, which the caller keeps alive for the Service's whole life; no reloads.
  Service(InferenceBackend& backend, ServeOptions options);
  ~Service();

  // Dispatch through the routes table; never throws.
  HttpResponse handle(const HttpRequest& request);

  // Runs one prediction through the whole path (loads lazy state, first CUDA kernels);
  // readyz answers 200 afterwards. Throws what the backend throws.
  void warm_up();
  // Readyz answers 503 from now on (load balancers stop sending); requests still work.
  void begin_drain();
  // Finishes queued work and stops the batcher; later classify and rerank calls get 503.
  void stop();
  bool ready() const { return ready_ && !draining_; }

  // Switches to `run_dir` ("": the folder served now, read again) — what POST /admin/reload
  // and SIGHUP do. Throws as Reloader::reload does, or OverloadError while draining.
  ReloadResult reload(const std::string& run_dir);

  // Routes (see docs/serving.md for the JSON shapes).
  HttpResponse classify(const HttpRequest& request);
  HttpResponse rerank(const HttpRequest& request);
  HttpResponse info(const HttpRequest& request);
  HttpResponse healthz(const HttpRequest& request);
  HttpResponse readyz(const HttpRequest& request);
  HttpResponse metrics(const HttpRequest& request);
  // POST /admin/reload (admin_routes.cpp): off (404) unless [serve] admin_token is set.
  HttpResponse admin_reload(const HttpRequest& request);

  const ServeOptions& options() const { return options_; }
  Metrics& metrics_registry() { return metrics_; }

 private:
  // Prepares and classifies on `backend`, the request's one snapshot.
  std::vector<Prediction> predict(const std::shared_ptr<InferenceBackend>& backend,
                                  const ClassifyRequest& request,
                                  std::chrono::steady_clock::time_point deadline);
  // received_at (or now) + request_timeout_ms; throws DeadlineError when already past, so
  // a request that waited too long is answered 504 without being computed.
  std::chrono::steady_clock::time_point live_deadline(const HttpRequest& request) const;
  void record(const std::vector<Prediction>& predictions);

  const ServeOptions options_;
  const RequestLimits limits_;
  Metrics metrics_;
  BackendSlot slot_;
  Reloader reloader_;
  Batcher batcher_;  // last: its workers stop before the slot and the backends go
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
};

}  // namespace rubrika::serve
