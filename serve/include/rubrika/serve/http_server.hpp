// HttpServer: the HTTP layer — Boost.Beast over Boost.Asio, event-driven. Every request,
// whatever its method and path, goes to Service::handle(); errors the HTTP layer produces
// itself (413 over max_body_bytes while the body is read, 431 over max_header_bytes, 400
// for a request it cannot parse, 503 past max_connections or while stopping) get the same
// JSON error shape.
//
// Why Beast: it ships with the Boost we already use (no new dependency), it is maintained,
// and reading is asynchronous, so a slow or idle client costs a socket and a buffer, never
// a thread. Connections are served by [serve] io_threads; the quick routes (/healthz,
// /readyz, /metrics, /v1/info) are answered right there and never wait behind inference.
// Model routes (classify, rerank, reload) run on one of [serve] threads request threads;
// when all are busy the answer is 503 at once. Deadlines: header_timeout_ms,
// body_timeout_ms, keep_alive_timeout_ms, send_timeout_ms (see http_session.hpp).
#pragma once

#include <rubrika/serve/serve_options.hpp>

#include <memory>

namespace rubrika::serve {

class Service;

class HttpServer {
 public:
  HttpServer(Service& service, const ServeOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds options.host:options.port (port 0: a free port) and returns the port.
  // Throws IoError when the address cannot be bound (e.g. the port is in use).
  int bind();
  // Serves until stop(); returns once every connection has been answered and closed.
  // Returns false when the server failed while running (logged).
  bool listen();
  // Safe from any thread. Stops accepting; connections already accepted (also those still
  // waiting in the listen backlog) are answered — served if their request is under way,
  // else 503 with Connection: close — and closed; idle keep-alive connections close at once.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rubrika::serve
