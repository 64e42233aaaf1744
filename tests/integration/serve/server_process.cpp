#include "server_process.hpp"

#include <httplib.h>

#include <csignal>
#include <regex>
#include <stdexcept>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rubrika::serve::testing {

std::unique_ptr<ServerProcess> ServerProcess::start(const std::vector<std::string>& argv,
                                                    std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  std::unique_ptr<ServerProcess> process(new ServerProcess());
  process->pid_ = fork();
  if (process->pid_ < 0) throw std::runtime_error("fork failed");
  if (process->pid_ == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  const int fd = pipe_fds[0];
  ServerProcess* raw = process.get();
  process->reader_ = std::thread([raw, fd] { raw->read_output(fd); });

  const std::regex url(R"(http://([0-9.]+):([0-9]+))");
  std::unique_lock<std::mutex> lock(process->mutex_);
  std::smatch match;
  const bool found = process->output_cv_.wait_for(lock, timeout, [&] {
    return std::regex_search(process->output_, match, url) || process->output_closed_;
  });
  if (!found || process->output_closed_ || match.empty()) {
    const std::string output = process->output_;
    lock.unlock();
    throw std::runtime_error("the server did not print its address; output:\n" + output);
  }
  process->host_ = match[1];
  process->port_ = std::stoi(match[2]);
  return process;
}

ServerProcess::~ServerProcess() {
  if (!exited()) {
    kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(10));
  }
  if (reader_.joinable()) reader_.join();
}

void ServerProcess::read_output(int fd) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (n <= 0) {
      output_closed_ = true;
      output_cv_.notify_all();
      break;
    }
    output_.append(buffer, static_cast<size_t>(n));
    output_cv_.notify_all();
  }
  close(fd);
}

bool ServerProcess::exited() {
  if (exit_code_) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool ServerProcess::wait_ready(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  httplib::Client client(host_, port_);
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(5));
  while (std::chrono::steady_clock::now() < until) {
    if (exited()) return false;
    auto result = client.Get("/readyz");
    if (result && result->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void ServerProcess::send_signal(int signal_number) { kill(pid_, signal_number); }

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!exited()) {
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_code_;
}

std::string ServerProcess::output() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return output_;
}

std::unique_ptr<ServerProcess> start_ready(const std::vector<std::string>& argv,
                                           std::chrono::milliseconds timeout) {
  auto server = ServerProcess::start(argv, timeout);
  if (!server->wait_ready(timeout))
    throw std::runtime_error("the server did not become ready; output:\n" + server->output());
  return server;
}

std::unique_ptr<ServerProcess> start_rubrika_serve(const std::string& rubrika_binary,
                                                   const std::string& run_dir,
                                                   const std::vector<std::string>& extra_args,
                                                   std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {rubrika_binary, "serve", run_dir, "--port", "0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return start_ready(argv, timeout);
}

}  // namespace rubrika::serve::testing
