#include "process_setup.hpp"

#include <rubrika/log.hpp>

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rubrika::cli {
namespace {

constexpr const char* kSource = "cli/process";
// Set before the restart so that the restarted process never restarts again.
constexpr const char* kReexecGuard = "RUBRIKA_BLAS_REEXEC";

void fix_environment(char** argv, Workload workload) {
  if (std::getenv(kReexecGuard) != nullptr) return;  // restarted once already: never loop
  const BlasInfo blas = detect_blas();
  const CpuFeatures cpu = detect_cpu_features();
  // Problems a restart will not fix (no OpenBLAS, a slow core the user chose): say so.
  if (!blas.is_openblas || !blas.coretype_env.empty())
    for (const auto& problem : blas_problems(blas, cpu)) log_warn(kSource, problem);
  const char* library_path = std::getenv("LD_LIBRARY_PATH");
  const EnvironmentFix fix =
      plan_environment(blas, cpu, workload, std::getenv("OMP_WAIT_POLICY") != nullptr,
                       library_path == nullptr ? "" : library_path);
  if (fix.set.empty()) return;
  std::string names, reasons;
  for (const auto& [name, value] : fix.set) {
    setenv(name.c_str(), value.c_str(), 1);
    names += (names.empty() ? "" : " ") + name + "=" + value;
  }
  for (const auto& reason : fix.reasons) reasons += (reasons.empty() ? "" : "; ") + reason;
  log_info(kSource, reasons + ": restarting with " + names);
  setenv(kReexecGuard, "1", 1);
  execv("/proc/self/exe", argv);
  // execv returns only on failure: carry on as we are.
  log_warn(kSource, std::string("re-executing failed (") + std::strerror(errno) +
                        "); continuing without " + names);
}

void set_threads() {
  int threads = usable_cores();
  if (const char* env = std::getenv("RUBRIKA_NUM_THREADS")) {
    char* end = nullptr;
    long value = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && value > 0) {
      threads = static_cast<int>(value);
    } else {
      log_warn(kSource,
               std::string("ignoring RUBRIKA_NUM_THREADS='") + env + "': not a positive integer");
    }
  }
  at::set_num_threads(threads);
}

}  // namespace

void prepare_process(char** argv, Workload workload) {
  fix_environment(argv, workload);
  set_threads();
  // Denormal floats (tiny activations and gradients) make x86 arithmetic up to 100x
  // slower; flushing them to zero changes results by less than float32 resolution.
  at::globalContext().setFlushDenormal(true);
}

}  // namespace rubrika::cli
