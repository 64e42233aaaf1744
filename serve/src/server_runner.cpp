#include <rubrika/serve/server_runner.hpp>

#include <rubrika/serve/http_server.hpp>
#include <rubrika/serve/serve_errors.hpp>
#include <rubrika/serve/service.hpp>

#include <rubrika/log.hpp>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <thread>
#include <vector>

namespace rubrika::serve {
namespace {

// SIGTERM and SIGINT drain and stop; SIGHUP reloads.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// The reloads SIGHUP started, each on its own thread so the signal wait goes on meanwhile
// (a SIGHUP during a reload gets the Reloader's 409, logged). All are joined before the
// Service stops.
class SignalReloads {
 public:
  explicit SignalReloads(Service& service) : service_(service) {}
  ~SignalReloads() { join(); }

  void start() {
    // Forget the finished ones, so repeated SIGHUPs do not pile up.
    running_.erase(std::remove_if(running_.begin(), running_.end(),
                                  [](const std::future<void>& reload) {
                                    return reload.wait_for(std::chrono::seconds(0)) ==
                                           std::future_status::ready;
                                  }),
                   running_.end());
    running_.push_back(std::async(std::launch::async, [this] { reload(); }));
  }
  void join() {
    for (auto& reload : running_) reload.wait();
    running_.clear();
  }

 private:
  void reload() {
    try {
      service_.reload("");
    } catch (const ReloadFailedError&) {
      // Logged by the Reloader, with the run folder and the loader's message.
    } catch (const std::exception& error) {
      log_error("serve", std::string("SIGHUP: no reload: ") + error.what());
    }
  }

  Service& service_;
  std::vector<std::future<void>> running_;
};

void print_banner(std::ostream& out, const ServeOptions& options, int port) {
  const std::string url = "http://" + options.host + ":" + std::to_string(port);
  out << "rubrika serve: listening on " << url
      << "  (SIGTERM or Ctrl-C drains and stops; SIGHUP reloads the run)\n"
      << "  try: curl -s " << url << "/v1/classify -H 'Content-Type: application/json' "
      << "-d '{\"texts\": [\"Продам детский велосипед, почти новый\"]}'\n"
      << "  ready when: curl -s " << url << "/readyz" << std::endl;
}

// Waits for SIGTERM or SIGINT and returns it; starts a reload on `reloads` at each SIGHUP
// meanwhile.
int wait_for_stop_signal(SignalReloads& reloads) {
  const sigset_t set = handled_signals();
  for (;;) {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) continue;
    if (signal_number != SIGHUP) return signal_number;
    log_info("serve", "received SIGHUP: reloading the run folder served now");
    reloads.start();
  }
}

}  // namespace

void block_shutdown_signals() {
  sigset_t set = handled_signals();
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

  SignalReloads reloads(service);
  const int signal_number = wait_for_stop_signal(reloads);
  log_info("serve", std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                        ": draining in-flight requests");
  service.begin_drain();
  stopping = true;
  http.stop();      // no new connections
  listener.join();  // returns once every accepted connection is answered and closed
  reloads.join();   // a reload still loading finishes (and switches) before the batcher stops
  service.stop();   // the batcher finishes anything still queued
  log_info("serve", "stopped");
  return 0;
}

}  // namespace rubrika::serve
