#include <rubrika/serve/http_server.hpp>

#include "http_session.hpp"

#include <rubrika/serve/service.hpp>

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <thread>
#include <vector>

namespace rubrika::serve {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Bursts of new connections wait in the kernel rather than being refused.
constexpr int kListenBacklog = 1024;
// After a failed accept (e.g. out of file descriptors), wait this long before the next.
constexpr auto kAcceptRetry = std::chrono::milliseconds(50);

IoError cannot_listen(const ServeOptions& options, const std::string& why) {
  return IoError(
      "cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + why,
      "serve.host/port",
      "is the port in use or the host not an address of this machine? choose another "
      "with --port");
}

tcp::endpoint listen_endpoint(asio::io_context& io, const ServeOptions& options) {
  boost::system::error_code error;
  const auto port = static_cast<unsigned short>(options.port);
  const asio::ip::address address = asio::ip::make_address(options.host, error);
  if (!error) return {address, port};
  tcp::resolver resolver(io);
  const auto found = resolver.resolve(options.host, std::to_string(port), error);
  if (error || found.empty()) throw cannot_listen(options, "unknown host");
  return *found.begin();
}

}  // namespace

struct HttpServer::Impl {
  Impl(Service& service, const ServeOptions& serve_options)
      : options(serve_options),
        io(static_cast<int>(options.io_threads)),
        acceptor(asio::make_strand(io)),
        retry_timer(acceptor.get_executor()),
        shared(service, options) {}

  void accept_next();
  void on_accept(boost::system::error_code error, tcp::socket socket);
  void start_session(tcp::socket socket);
  void refuse(tcp::socket socket);
  void begin_stop();

  const ServeOptions options;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  ConnectionShared shared;
  bool stopped = false;  // on the acceptor's strand
};

void HttpServer::Impl::accept_next() {
  acceptor.async_accept(asio::make_strand(io),
                        [this](boost::system::error_code error, tcp::socket socket) {
                          on_accept(error, std::move(socket));
                        });
}

void HttpServer::Impl::on_accept(boost::system::error_code error, tcp::socket socket) {
  if (stopped || error == asio::error::operation_aborted) return;
  if (error) {
    log_warn("serve", "accepting a connection failed: " + error.message());
    retry_timer.expires_after(kAcceptRetry);
    retry_timer.async_wait([this](boost::system::error_code timer_error) {
      if (!timer_error && !stopped) accept_next();
    });
    return;
  }
  start_session(std::move(socket));
  accept_next();
}

void HttpServer::Impl::start_session(tcp::socket socket) {
  if (shared.open_connections >= options.max_connections) {
    refuse(std::move(socket));
    return;
  }
  std::make_shared<HttpSession>(std::move(socket), shared)->start();
}

void HttpServer::Impl::refuse(tcp::socket socket) {
  // One non-blocking write of a short answer: a client that cannot take it loses only it.
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  asio::write(socket, asio::buffer(too_many_connections_answer(options)), ignored);
  shared.service.metrics_registry().count_request("unmatched", 503, 0.0);
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

void HttpServer::Impl::begin_stop() {
  if (stopped) return;
  stopped = true;
  shared.stopping = true;
  retry_timer.cancel();
  // Connections the kernel accepted but we have not yet: take them, so each gets an answer.
  boost::system::error_code error;
  acceptor.non_blocking(true, error);
  while (!error) {
    tcp::socket socket(asio::make_strand(io));
    acceptor.accept(socket, error);
    if (!error) start_session(std::move(socket));
  }
  acceptor.close(error);
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard<std::mutex> lock(shared.sessions_mutex);
    for (const auto& [key, session] : shared.sessions)
      if (auto alive = session.lock()) live.push_back(std::move(alive));
  }
  for (const auto& session : live) session->stop();
}

HttpServer::HttpServer(Service& service, const ServeOptions& options)
    : impl_(std::make_unique<Impl>(service, options)) {}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  const tcp::endpoint endpoint = listen_endpoint(impl_->io, impl_->options);
  tcp::acceptor& acceptor = impl_->acceptor;
  boost::system::error_code error;
  acceptor.open(endpoint.protocol(), error);
  // SO_REUSEADDR (a restart binds past TIME_WAIT) but never SO_REUSEPORT, with which a
  // second server on a port in use would start silently and take half the traffic.
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(kListenBacklog, error);
  if (error) throw cannot_listen(impl_->options, error.message());
  return acceptor.local_endpoint().port();
}

bool HttpServer::listen() {
  std::atomic<bool> ok{true};
  const auto run = [this, &ok] {
    try {
      impl_->io.run();
    } catch (const std::exception& error) {
      log_error("serve", std::string("the HTTP layer failed: ") + error.what());
      ok = false;
      impl_->io.stop();
    }
  };
  asio::post(impl_->acceptor.get_executor(), [this] { impl_->accept_next(); });
  std::vector<std::thread> threads;
  for (int64_t i = 1; i < impl_->options.io_threads; ++i) threads.emplace_back(run);
  run();
  for (auto& thread : threads) thread.join();
  impl_->shared.request_threads.join();
  return ok.load();
}

void HttpServer::stop() {
  asio::post(impl_->acceptor.get_executor(), [this] { impl_->begin_stop(); });
}

}  // namespace rubrika::serve
