#include "http_session.hpp"

#include <rubrika/serve/routes.hpp>
#include <rubrika/serve/serve_errors.hpp>
#include <rubrika/serve/service.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace rubrika::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using std::chrono::milliseconds;

constexpr size_t kFirstReadBytes = 4096;
// After an answer that closes the connection, what the client still sends is read and
// dropped for this long (at most kLingerBytes), so that closing with unread bytes does not
// reset the connection before the client has read the answer.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerBytes = size_t{1} << 20;
// A connection still reading a request when the server stops gets this long to finish it.
constexpr auto kStopGrace = std::chrono::seconds(2);

HttpRequest to_request(http::request<http::string_body>&& in) {
  HttpRequest out;
  out.method = std::string(in.method_string());
  const beast::string_view target = in.target();
  out.path = std::string(target.substr(0, target.find('?')));
  for (const auto& field : in) {
    // Known fields by their canonical spelling ("Authorization"), whatever the client sent.
    const std::string name = field.name() == http::field::unknown
                                 ? std::string(field.name_string())
                                 : std::string(http::to_string(field.name()));
    out.headers[name] = std::string(field.value());
  }
  out.body = std::move(in.body());
  return out;
}

HttpResponse with_status(HttpResponse response, int status) {
  response.status = status;
  return response;
}

// The JSON answer to a request the HTTP layer could not read whole.
HttpResponse read_error_response(beast::error_code error, const ServeOptions& options) {
  if (error == http::error::body_limit)
    return error_response(
        PayloadTooLargeError("the body is larger than the limit of " +
                                 std::to_string(options.max_body_bytes) + " bytes",
                             "body", "send fewer or shorter texts per request"),
        0);
  if (error == http::error::header_limit)
    return with_status(
        error_response(BadRequestError("the request line and headers are larger "
                                       "than the limit of " +
                                           std::to_string(options.max_header_bytes) + " bytes",
                                       "headers", "[serve] max_header_bytes"),
                       0),
        431);
  return error_response(BadRequestError("the HTTP request could not be parsed: " + error.message(),
                                        "", "check the request line, headers and body framing"),
                        0);
}

// Read errors that mean the client went away or was too slow: nothing to answer.
bool connection_ended(beast::error_code error) {
  return error == beast::error::timeout || error == http::error::end_of_stream ||
         error == http::error::partial_message || error == asio::error::eof ||
         error == asio::error::operation_aborted || error == asio::error::connection_reset ||
         error == asio::error::bad_descriptor || error == asio::error::broken_pipe;
}

HttpResponse shutting_down_response(const ServeOptions& options) {
  return error_response(OverloadError("the server is shutting down", "",
                                      "send the request to another instance, or retry"),
                        static_cast<int>(options.retry_after_s));
}

}  // namespace

std::string too_many_connections_answer(const ServeOptions& options) {
  const HttpResponse error =
      error_response(OverloadError("the server has " + std::to_string(options.max_connections) +
                                       " connections open, its limit ([serve] max_connections)",
                                   "", "retry later, or reuse a kept-alive connection"),
                     static_cast<int>(options.retry_after_s));
  std::string answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + error.content_type +
                       "\r\nConnection: close\r\n";
  for (const auto& [name, value] : error.headers) answer += name + ": " + value + "\r\n";
  answer += "Content-Length: " + std::to_string(error.body.size()) + "\r\n\r\n" + error.body;
  return answer;
}

HttpSession::HttpSession(asio::ip::tcp::socket socket, ConnectionShared& shared)
    : stream_(std::move(socket)), shared_(shared), stop_grace_(stream_.get_executor()) {
  ++shared_.open_connections;
  beast::error_code ignored;
  // Small JSON answers: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per exchange.
  stream_.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
}

HttpSession::~HttpSession() {
  {
    std::lock_guard<std::mutex> lock(shared_.sessions_mutex);
    shared_.sessions.erase(this);
  }
  --shared_.open_connections;
}

void HttpSession::start() {
  {
    std::lock_guard<std::mutex> lock(shared_.sessions_mutex);
    shared_.sessions.emplace(this, weak_from_this());
  }
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->shared_.stopping) self->start_stop_grace();
    self->wait_for_request();
  });
}

void HttpSession::stop() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->closed_) return;
    // Between two requests of a kept-alive connection: nothing is owed to the client.
    if (self->phase_ == Phase::idle && self->answered_ > 0) {
      self->close();
      return;
    }
    self->start_stop_grace();
  });
}

void HttpSession::start_stop_grace() {
  stop_grace_.expires_after(kStopGrace);
  stop_grace_.async_wait([self = shared_from_this()](beast::error_code error) {
    if (!error && self->phase_ != Phase::answering) self->close();
  });
}

void HttpSession::wait_for_request() {
  phase_ = Phase::idle;
  if (buffer_.size() > 0) {  // a pipelined request already read: answered next, in order
    read_header();
    return;
  }
  if (shared_.stopping && answered_ > 0) {
    close();
    return;
  }
  const int64_t wait_ms =
      answered_ == 0 ? shared_.options.header_timeout_ms : shared_.options.keep_alive_timeout_ms;
  stream_.expires_after(milliseconds(wait_ms));
  stream_.async_read_some(
      buffer_.prepare(kFirstReadBytes),
      beast::bind_front_handler(&HttpSession::on_first_bytes, shared_from_this()));
}

void HttpSession::on_first_bytes(beast::error_code error, size_t bytes) {
  if (error) {
    close();
    return;
  }
  buffer_.commit(bytes);
  read_header();
}

void HttpSession::read_header() {
  phase_ = Phase::reading;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(shared_.options.max_header_bytes));
  parser_->body_limit(static_cast<uint64_t>(shared_.options.max_body_bytes));
  stream_.expires_after(milliseconds(shared_.options.header_timeout_ms));
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code error, size_t) { self->on_header(error); });
}

void HttpSession::on_header(beast::error_code error) {
  if (error) {
    on_read_failure(error);
    return;
  }
  const auto expect = parser_->get()[http::field::expect];
  if (!beast::iequals(expect, "100-continue")) {
    read_body();
    return;
  }
  // The client waits for this before it sends the body (curl does for large bodies).
  static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(milliseconds(shared_.options.send_timeout_ms));
  asio::async_write(stream_, asio::buffer(kContinue),
                    [self = shared_from_this()](beast::error_code write_error, size_t) {
                      if (write_error) {
                        self->close();
                        return;
                      }
                      self->read_body();
                    });
}

void HttpSession::read_body() {
  if (parser_->is_done()) {
    dispatch();
    return;
  }
  stream_.expires_after(milliseconds(shared_.options.body_timeout_ms));
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code error, size_t) {
                     if (error) {
                       self->on_read_failure(error);
                       return;
                     }
                     self->dispatch();
                   });
}

void HttpSession::on_read_failure(beast::error_code error) {
  if (connection_ended(error)) {
    close();
    return;
  }
  const HttpResponse response = read_error_response(error, shared_.options);
  shared_.service.metrics_registry().count_request("unmatched", response.status, 0.0);
  head_ = false;
  http_1_0_ = false;
  answer(response, /*keep_alive=*/false);
}

void HttpSession::dispatch() {
  phase_ = Phase::answering;
  http::request<http::string_body> message = parser_->release();
  head_ = message.method() == http::verb::head;
  keep_alive_ = message.keep_alive();
  http_1_0_ = message.version() == 10;
  HttpRequest request = to_request(std::move(message));
  request.received_at = std::chrono::steady_clock::now();
  const ServeOptions& options = shared_.options;
  if (shared_.stopping) {
    const HttpResponse response = shutting_down_response(options);
    shared_.service.metrics_registry().count_request("unmatched", response.status, 0.0);
    answer(response, false);
    return;
  }
  if (!route_waits(request.method, request.path, !options.admin_token.empty())) {
    answer(shared_.service.handle(request), keep_alive_);
    return;
  }
  // A model request never queues for a thread: all busy means overloaded, now.
  if (shared_.busy_request_threads.fetch_add(1) >= options.threads) {
    --shared_.busy_request_threads;
    const HttpResponse response =
        error_response(OverloadError("all " + std::to_string(options.threads) +
                                         " request threads are busy ([serve] threads)",
                                     "", "retry later"),
                       static_cast<int>(options.retry_after_s));
    shared_.service.metrics_registry().count_request(request.path, response.status, 0.0);
    answer(response, keep_alive_);
    return;
  }
  run_on_request_thread(std::move(request));
}

void HttpSession::run_on_request_thread(HttpRequest request) {
  // Counts as work of the I/O threads' io_context until the answer is posted back, so
  // listen() does not return while a request is being computed.
  auto work = asio::make_work_guard(stream_.get_executor());
  asio::post(shared_.request_threads, [self = shared_from_this(), request = std::move(request),
                                       work = std::move(work)]() mutable {
    HttpResponse response = self->shared_.service.handle(request);
    --self->shared_.busy_request_threads;
    asio::post(self->stream_.get_executor(), [self, response = std::move(response)] {
      self->answer(response, self->keep_alive_);
    });
  });
}

void HttpSession::answer(const HttpResponse& response, bool keep_alive) {
  const bool last = !keep_alive || shared_.stopping ||
                    answered_ + 1 >= shared_.options.max_requests_per_connection;
  response_ = {};
  response_.version(http_1_0_ ? 10 : 11);
  response_.result(static_cast<unsigned>(response.status));
  response_.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) response_.set(name, value);
  response_.body() = response.body;
  response_.keep_alive(!last);
  response_.prepare_payload();
  if (head_) response_.body().clear();  // HEAD: GET's headers, Content-Length too; no body
  stream_.expires_after(milliseconds(shared_.options.send_timeout_ms));
  http::async_write(stream_, response_,
                    [self = shared_from_this(), last](beast::error_code error, size_t) {
                      self->on_written(!last, error);
                    });
}

void HttpSession::on_written(bool keep_alive, beast::error_code error) {
  ++answered_;
  parser_.reset();
  if (error) {
    close();
  } else if (keep_alive) {
    wait_for_request();
  } else {
    linger_then_close();
  }
}

void HttpSession::linger_then_close() {
  phase_ = Phase::idle;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  buffer_.clear();
  if (lingered_ >= kLingerBytes) {
    close();
    return;
  }
  stream_.expires_after(kLingerTime);
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          [self = shared_from_this()](beast::error_code read_error, size_t bytes) {
                            if (read_error) {
                              self->close();
                              return;
                            }
                            self->lingered_ += bytes;
                            self->buffer_.commit(bytes);
                            self->linger_then_close();
                          });
}

void HttpSession::close() {
  phase_ = Phase::idle;
  closed_ = true;
  stop_grace_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace rubrika::serve
