#include <rubrika/serve/server_runner.hpp>

#include <rubrika/serve/http_server.hpp>
#include <rubrika/serve/service.hpp>

#include <rubrika/log.hpp>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <thread>

namespace rubrika::serve {
namespace {

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

void print_banner(std::ostream& out, const ServeOptions& options, int port) {
  const std::string url = "http://" + options.host + ":" + std::to_string(port);
  out << "rubrika serve: listening on " << url << "  (SIGTERM or Ctrl-C drains and stops)\n"
      << "  try: curl -s " << url << "/v1/classify -H 'Content-Type: application/json' "
      << "-d '{\"texts\": [\"Продам детский велосипед, почти новый\"]}'\n"
      << "  ready when: curl -s " << url << "/readyz" << std::endl;
}

}  // namespace

void block_shutdown_signals() {
  sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int serve_until_signal(Service& service, const ServeOptions& options, std::ostream& out) {
  block_shutdown_signals();  // in case the caller did not; threads below inherit it
  HttpServer http(service, options);
  const int port = http.bind();
  print_banner(out, options, port);

  std::atomic<bool> stopping{false};
  std::thread listener([&] {
    if (!http.listen()) log_warn("serve", "the HTTP server stopped unexpectedly");
    // Wakes the signal wait below when listening ends for any reason but our own stop().
    if (!stopping) kill(getpid(), SIGTERM);
  });
  try {
    service.warm_up();
  } catch (...) {
    stopping = true;
    http.stop();
    listener.join();
    throw;
  }
  log_info("serve", "ready: pipeline warmed up");

  sigset_t set = shutdown_signals();
  int signal_number = 0;
  sigwait(&set, &signal_number);
  log_info("serve", std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                        ": draining in-flight requests");
  service.begin_drain();
  stopping = true;
  http.stop();      // no new connections
  listener.join();  // returns once the HTTP threads have answered what they hold
  service.stop();   // the batcher finishes anything still queued
  log_info("serve", "stopped");
  return 0;
}

}  // namespace rubrika::serve
