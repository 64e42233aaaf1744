#include "worker_launcher.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>

namespace rubrika::cli {
namespace {

constexpr const char* kSource = "train/launcher";

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

// In the child: the worker's environment, then the same binary with the train arguments.
[[noreturn]] void become_worker(const LaunchOptions& o, int local_rank,
                                const std::vector<std::string>& train_args) {
  const int world = o.nnodes * o.nproc_per_node;
  const int rank = o.node_rank * o.nproc_per_node + local_rank;
  ::setenv("RANK", std::to_string(rank).c_str(), 1);
  ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
  ::setenv("LOCAL_RANK", std::to_string(local_rank).c_str(), 1);
  ::setenv("LOCAL_WORLD_SIZE", std::to_string(o.nproc_per_node).c_str(), 1);
  ::setenv("MASTER_ADDR", o.master_addr.c_str(), 1);
  ::setenv("MASTER_PORT", std::to_string(o.master_port).c_str(), 1);
  const int threads = std::max(1, usable_cores() / o.nproc_per_node);
  ::setenv("RUBRIKA_NUM_THREADS", std::to_string(threads).c_str(), 0);
  std::vector<std::string> words{"rubrika", "train"};
  words.insert(words.end(), train_args.begin(), train_args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "rubrika: error: cannot start worker rank %d: %s\n", rank,
               std::strerror(errno));
  std::_Exit(127);
}

std::string how_it_ended(int status) {
  if (WIFSIGNALED(status))
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

void launch_workers(const LaunchOptions& o, const std::vector<std::string>& train_args) {
  std::map<pid_t, int> running;  // pid → global rank
  for (int local = 0; local < o.nproc_per_node; ++local) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("cannot start a worker: ") + std::strerror(errno));
    if (pid == 0) become_worker(o, local, train_args);
    running[pid] = o.node_rank * o.nproc_per_node + local;
    log_info(kSource, "started worker rank " + std::to_string(running[pid]) + " (pid " +
                          std::to_string(pid) + ")");
  }
  std::string failure;
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const auto found = running.find(pid);
    if (found == running.end()) continue;
    const int rank = found->second;
    running.erase(found);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok || !failure.empty()) continue;
    failure = "worker rank " + std::to_string(rank) + " (pid " + std::to_string(pid) + ") " +
              how_it_ended(status);
    log_error(kSource, failure + "; stopping the other workers");
    for (const auto& [other, other_rank] : running) ::kill(other, SIGTERM);
  }
  if (!failure.empty())
    throw Error(failure, "rubrika train --nproc-per-node " + std::to_string(o.nproc_per_node),
                "its log above says why; rerun with --resume to continue from the last "
                "checkpoint");
}

}  // namespace rubrika::cli
