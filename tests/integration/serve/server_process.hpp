// ServerProcess: starts a server executable as a child process on an ephemeral loopback
// port and talks to it — for black-box tests of `rubrika serve` and of the test server.
// The child must print a line containing "http://HOST:PORT" on stdout when it listens.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace rubrika::serve::testing {

class ServerProcess {
 public:
  // Starts argv (argv[0] a path) and waits up to `timeout` for its "http://HOST:PORT"
  // line. Throws std::runtime_error (with everything it printed) when it exits or
  // stays silent.
  static std::unique_ptr<ServerProcess> start(
      const std::vector<std::string>& argv,
      std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~ServerProcess();  // SIGKILLs the child if it still runs

  const std::string& host() const { return host_; }
  int port() const { return port_; }

  // Polls GET /readyz until it answers 200; false when the time runs out or the child exits.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  void send_signal(int signal_number);
  // The exit code (128 + signal when killed), or nullopt when still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // stdout and stderr so far, interleaved.
  std::string output() const;

 private:
  ServerProcess() = default;
  void read_output(int fd);
  bool exited();

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string host_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable output_cv_;
  std::string output_;
  bool output_closed_ = false;
  std::thread reader_;
};

// argv started and waited for until /readyz answers 200. Throws std::runtime_error with
// the server's output when it does not get ready within `timeout`.
std::unique_ptr<ServerProcess> start_ready(
    const std::vector<std::string>& argv,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// `rubrika serve RUN_DIR --port 0 [extra...]`, waited for until /readyz answers 200.
// Throws std::runtime_error with the server's output when it does not get ready.
std::unique_ptr<ServerProcess> start_rubrika_serve(
    const std::string& rubrika_binary, const std::string& run_dir,
    const std::vector<std::string>& extra_args = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(120));

}  // namespace rubrika::serve::testing
