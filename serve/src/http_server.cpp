#include <rubrika/serve/http_server.hpp>

#include <rubrika/serve/serve_errors.hpp>
#include <rubrika/serve/service.hpp>

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>

#include <httplib.h>
#include <sys/socket.h>

namespace rubrika::serve {
namespace {

HttpRequest to_request(const httplib::Request& in) {
  HttpRequest out;
  out.method = in.method;
  out.path = in.path;
  out.body = in.body;
  for (const auto& [name, value] : in.headers) out.headers[name] = value;
  return out;
}

void to_response(const HttpResponse& in, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [name, value] : in.headers) out.set_header(name, value);
  out.set_content(in.body, in.content_type);
}

// The JSON error for a status httplib set on its own (its handlers never ran).
HttpResponse library_error(int status, const ServeOptions& options) {
  if (status == 413)
    return error_response(
        PayloadTooLargeError("the body is larger than the limit of " +
                                 std::to_string(options.max_body_bytes) + " bytes",
                             "body", "send fewer or shorter texts per request"),
        0);
  if (status == 404) return error_response(RouteNotFoundError("no route", "path"), 0);
  HttpResponse response =
      error_response(BadRequestError("the HTTP request could not be processed", "",
                                     "check the request line and headers; a POST needs a "
                                     "Content-Length, also for an empty body (curl: -d '')"),
                     0);
  response.status = status;
  return response;
}

}  // namespace

HttpServer::HttpServer(Service& service, const ServeOptions& options)
    : service_(service), options_(options), server_(std::make_unique<httplib::Server>()) {
  const auto threads = static_cast<size_t>(options_.threads);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(static_cast<size_t>(options_.max_body_bytes));
  server_->set_socket_options([this](socket_t socket) {
    // SO_REUSEADDR (a restart binds past TIME_WAIT) but not httplib's default SO_REUSEPORT,
    // with which a second server on a port in use started silently and took half the traffic.
    const int on = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    listen_socket_ = socket;  // the last one created is the one bind() keeps
  });
  server_->set_keep_alive_max_count(100000);
  // An idle keep-alive connection holds its HTTP thread this long, which bounds how long a
  // drain waits for idle clients after the in-flight requests are answered.
  server_->set_keep_alive_timeout(2);
  // Small JSON answers: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per exchange.
  server_->set_tcp_nodelay(true);
  const auto forward = [this](const httplib::Request& request, httplib::Response& response) {
    to_response(service_.handle(to_request(request)), response);
  };
  // Routing happens in Service (one table); httplib only needs to hand everything over.
  server_->Get(".*", forward);
  server_->Post(".*", forward);
  server_->Put(".*", forward);
  server_->Patch(".*", forward);
  server_->Delete(".*", forward);
  server_->Options(".*", forward);
  const httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request&,
                                                               httplib::Response& response) {
    // Called for every status ≥ 400, including Service's own JSON errors: keep those.
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const HttpResponse error = library_error(response.status, options_);
    service_.metrics_registry().count_request("unmatched", error.status, 0.0);
    to_response(error, response);
    return httplib::Server::HandlerResponse::Handled;
  };
  server_->set_error_handler(on_error);
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  int port = static_cast<int>(options_.port);
  if (port == 0) {
    port = server_->bind_to_any_port(options_.host);
  } else if (!server_->bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port < 0)
    throw IoError("cannot listen on " + options_.host + ":" + std::to_string(options_.port),
                  "serve.host/port",
                  "is the port in use or the host not an address of this machine? choose another "
                  "with --port");
  // Debian's compiled cpp-httplib listens with a backlog of 5: 64 clients connecting at once
  // overflow it and the rest wait for SYN retransmits (1 s, 3 s). Linux lets listen() be
  // called again on a listening socket to raise it.
  if (listen_socket_ >= 0 && ::listen(listen_socket_, kListenBacklog) != 0)
    log_warn("serve", "could not raise the listen backlog; bursts of new connections may wait");
  return port;
}

bool HttpServer::listen() { return server_->listen_after_bind(); }

void HttpServer::stop() { server_->stop(); }

}  // namespace rubrika::serve
