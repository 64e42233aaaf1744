// HttpServer: the thin cpp-httplib adapter. Every request, whatever its method and path,
// goes to Service::handle(); errors the HTTP layer produces itself (413 over
// max_body_bytes, 400 for an unparsable request line) get the same JSON error shape.
#pragma once

#include <rubrika/serve/serve_options.hpp>

#include <memory>

namespace httplib {
class Server;
}

namespace rubrika::serve {

class Service;

class HttpServer {
 public:
  HttpServer(Service& service, const ServeOptions& options);
  ~HttpServer();

  // Binds options.host:options.port (port 0: a free port) and returns the port.
  // Throws IoError when the address cannot be bound.
  int bind();
  // Serves until stop(); returns after in-flight requests have been answered. Returns
  // false when the server could not run.
  bool listen();
  // Stops accepting connections; safe from any thread.
  void stop();

 private:
  Service& service_;
  ServeOptions options_;
  std::unique_ptr<httplib::Server> server_;
  int listen_socket_ = -1;
  static constexpr int kListenBacklog = 1024;
};

}  // namespace rubrika::serve
