// HttpSession: one client connection of the HTTP layer (internal to http_server.cpp).
//
// A connection is a sequence of reads and writes on its own strand, never a thread:
//
//   wait for a first byte (header_timeout_ms on a new connection, keep_alive_timeout_ms
//   between requests) → read the header (header_timeout_ms, max_header_bytes)
//   → read the body (body_timeout_ms, max_body_bytes enforced while reading, chunked too)
//   → answer: quick routes here, model routes on a request thread → write (send_timeout_ms)
//   → next request (pipelined bytes already read are the next request, answered in order)
//
// A timeout closes the connection without an answer; a malformed request is answered with
// the JSON error shape (400, 413, 431) and closed.
#pragma once

#include <rubrika/serve/http_types.hpp>
#include <rubrika/serve/serve_options.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace rubrika::serve {

class Service;
class HttpSession;

// What all connections of one server share.
struct ConnectionShared {
  ConnectionShared(Service& service, const ServeOptions& options)
      : service(service), options(options), request_threads(static_cast<size_t>(options.threads)) {}

  Service& service;
  const ServeOptions& options;
  boost::asio::thread_pool request_threads;  // model routes run here, one request each
  std::atomic<int64_t> busy_request_threads{0};
  std::atomic<int64_t> open_connections{0};
  std::atomic<bool> stopping{false};  // no new requests: each is answered 503, then closed

  // The live connections, so stop() can close the idle ones at once.
  std::mutex sessions_mutex;
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> sessions;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, ConnectionShared& shared);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Registers the connection and waits for its first request.
  void start();
  // The server is stopping (called on any thread): an idle connection closes now; one with
  // a request under way answers it and then closes.
  void stop();

 private:
  enum class Phase { idle, reading, answering };
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  void wait_for_request();
  void on_first_bytes(boost::beast::error_code error, size_t bytes);
  void read_header();
  void on_header(boost::beast::error_code error);
  void read_body();
  void on_body(boost::beast::error_code error);
  void dispatch();
  void run_on_request_thread(HttpRequest request);
  void answer(const HttpResponse& response, bool keep_alive);
  void on_written(bool keep_alive, boost::beast::error_code error);
  // A read that ended without a request: closes, answering first when the client can use it.
  void on_read_failure(boost::beast::error_code error);
  // After an answer with Connection: close: stop sending, drop what the client still sends
  // (briefly), then close — closing with unread bytes would reset the connection and could
  // destroy the answer before the client reads it.
  void linger_then_close();
  // The server stopped while this connection had no answer under way: close it unless it
  // is answering within kStopGrace.
  void start_stop_grace();
  void close();

  boost::beast::tcp_stream stream_;
  ConnectionShared& shared_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  boost::asio::steady_timer stop_grace_;
  Phase phase_ = Phase::idle;
  int64_t answered_ = 0;     // requests answered on this connection
  size_t lingered_ = 0;      // bytes dropped after the last answer
  bool head_ = false;        // the request being answered is a HEAD
  bool keep_alive_ = false;  // the client asked to keep the connection
  bool http_1_0_ = false;
  bool closed_ = false;
};

// The 503 a connection past max_connections gets before it is closed (raw HTTP bytes).
std::string too_many_connections_answer(const ServeOptions& options);

}  // namespace rubrika::serve
