// Service: the server's behaviour, one method per route, independent of HTTP plumbing.
//
// handle() finds the route in the routes table (routes.hpp), calls its method, turns any
// exception into a JSON error response through error_response() (the one mapping), and
// counts the request in the metrics. The HTTP adapter (http_server.hpp) only converts
// between cpp-httplib and HttpRequest/HttpResponse, so every behaviour is tested here
// without sockets.
#pragma once

#include <rubrika/serve/batcher.hpp>
#include <rubrika/serve/http_types.hpp>
#include <rubrika/serve/inference_backend.hpp>
#include <rubrika/serve/metrics.hpp>
#include <rubrika/serve/request_parsing.hpp>
#include <rubrika/serve/serve_options.hpp>

#include <atomic>
#include <memory>

namespace rubrika::serve {

class Service {
 public:
  // Starts the batcher's workers; not ready until warm_up() succeeds.
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

  // Routes (see docs/serving.md for the JSON shapes).
  HttpResponse classify(const HttpRequest& request);
  HttpResponse rerank(const HttpRequest& request);
  HttpResponse info(const HttpRequest& request);
  HttpResponse healthz(const HttpRequest& request);
  HttpResponse readyz(const HttpRequest& request);
  HttpResponse metrics(const HttpRequest& request);

  const ServeOptions& options() const { return options_; }
  Metrics& metrics_registry() { return metrics_; }

 private:
  std::vector<Prediction> predict(const ClassifyRequest& request);
  void record(const std::vector<Prediction>& predictions);

  InferenceBackend& backend_;
  const ServeOptions options_;
  const RequestLimits limits_;
  Metrics metrics_;
  Batcher batcher_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
};

}  // namespace rubrika::serve
