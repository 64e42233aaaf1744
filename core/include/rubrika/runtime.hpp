// What the process runs on: CPU features, the BLAS libtorch uses, and the environment a
// process should restart with. Pure detection and planning; the restart itself is done by
// the apps' main() (apps/cli/process_setup.hpp), never by library code.
//
// The BLAS trap: libtorch does its fp32 GEMMs in the system BLAS. Debian's OpenBLAS
// 0.3.21 (DYNAMIC_ARCH) can misdetect newer CPUs as a generic core such as "Prescott",
// running GEMM 5-7x slower; it reads OPENBLAS_CORETYPE only when it is loaded, so the
// fix is to set the variable and re-execute the process once. plan_environment() decides
// that and apps/cli/process_setup.cpp does it (logging one line), respects a value the user set,
// and warns loudly when libtorch is running on the reference BLAS (package libopenblas0-pthread
// missing). The same restart sets OMP_WAIT_POLICY=PASSIVE: libtorch's OpenMP pool and OpenBLAS's
// pthread pool share the cores, and spinning OpenMP threads steal them from the GEMMs.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rubrika {

// What the CPU can do, from CPUID.
struct CpuFeatures {
  std::string vendor;  // "GenuineIntel", "AuthenticAMD", ...
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512_bf16 = false;
  bool amx_bf16 = false;

  bool avx512_skylake() const { return avx512f && avx512bw && avx512vl && avx512dq; }
  // "AVX2 AVX-512 AVX512-BF16"-style summary of the useful ISA extensions.
  std::string summary() const;
};

CpuFeatures detect_cpu_features();

// The BLAS libtorch calls, as found in this process.
struct BlasInfo {
  bool is_openblas = false;  // false: reference BLAS or another implementation
  std::string core;          // openblas_get_corename(), e.g. "Haswell"; "" if not OpenBLAS
  std::string config;        // openblas_get_config()
  std::string coretype_env;  // OPENBLAS_CORETYPE as set in the environment, "" if unset
  // When this is Debian's pthread build and its OpenMP build (libopenblas0-openmp) is
  // installed too: the OpenMP build's folder; "" otherwise.
  std::string openmp_build_dir;
};

BlasInfo detect_blas();

// True for OpenBLAS core names that use no AVX2/AVX-512 kernels.
bool is_generic_openblas_core(const std::string& core);

// The OPENBLAS_CORETYPE this CPU should run with when OpenBLAS chose `current_core`, or ""
// when `current_core` is already right (or no better core exists).
std::string better_openblas_core(const std::string& current_core, const CpuFeatures& cpu);

// Problems with the BLAS set-up and how to fix each, empty when all is well.
std::vector<std::string> blas_problems(const BlasInfo& blas, const CpuFeatures& cpu);

// What a process is about to do: `compute` runs models (train, serve, predict, benchmarks),
// where a restart of half a second is worth faster threading; `light` only reads files.
enum class Workload { light, compute };

// Environment variables a process should restart with, and why (one reason each).
struct EnvironmentFix {
  std::vector<std::pair<std::string, std::string>> set;  // name, value
  std::vector<std::string> reasons;
};

// The restart main() makes (apps/cli/process_setup.hpp): OPENBLAS_CORETYPE when OpenBLAS chose a
// slower core than the CPU has and the user set none; OMP_WAIT_POLICY=PASSIVE when the user set
// none and the work is `compute` or a restart happens anyway; for `compute` work on the pthread
// build of OpenBLAS with the OpenMP build installed, LD_LIBRARY_PATH led by the OpenMP build's
// folder (unless `ld_library_path`, the user's, names an OpenBLAS folder): one thread pool
// instead of two spinning against each other (measured on 2 cores: encoder inference +18%,
// serving +10%, fine-tuning +7-14%). Empty: no restart.
EnvironmentFix plan_environment(const BlasInfo& blas, const CpuFeatures& cpu, Workload workload,
                                bool omp_wait_policy_set, const std::string& ld_library_path = "");

// CPUs this process may run on (sched_getaffinity), at least 1.
int usable_cores();

}  // namespace rubrika
