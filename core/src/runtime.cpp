#include <rubrika/error.hpp>
#include <rubrika/runtime.hpp>

#include <cpuid.h>
#include <dlfcn.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

namespace rubrika {
namespace {

// How much of the CPU an OpenBLAS core's kernels use: 0 SSE-only, 1 AVX, 2 AVX2+FMA,
// 3 AVX-512. Names are OpenBLAS's (openblas_get_corename()), compared case-insensitively.
int core_rank(std::string core) {
  for (auto& c : core) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, int> ranks = {
      {"prescott", 0},     {"katmai", 0},      {"coppermine", 0},  {"northwood", 0},
      {"banias", 0},       {"core2", 0},       {"penryn", 0},      {"dunnington", 0},
      {"nehalem", 0},      {"atom", 0},        {"athlon", 0},      {"opteron", 0},
      {"opteron_sse3", 0}, {"barcelona", 0},   {"bobcat", 0},      {"nano", 0},
      {"generic", 0},      {"unknown", 0},     {"sandybridge", 1}, {"bulldozer", 1},
      {"piledriver", 1},   {"steamroller", 1}, {"excavator", 1},   {"haswell", 2},
      {"zen", 2},          {"skylakex", 3},    {"cooperlake", 3},  {"sapphirerapids", 3}};
  auto found = ranks.find(core);
  return found == ranks.end() ? -1 : found->second;
}

std::string cpu_vendor() {
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return {};
  char vendor[13];
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  vendor[12] = '\0';
  return vendor;
}

template <class Fn>
Fn find_symbol(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

// Debian installs each OpenBLAS build in its own folder (…/openblas-pthread,
// …/openblas-openmp); the OpenMP one beside the pthread one this process loaded, or "".
std::string openmp_build_beside(void* symbol) {
  Dl_info where{};
  if (symbol == nullptr || dladdr(symbol, &where) == 0 || where.dli_fname == nullptr) return "";
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path folder = fs::canonical(where.dli_fname, error).parent_path();
  if (error || folder.filename() != "openblas-pthread") return "";
  const fs::path openmp = folder.parent_path() / "openblas-openmp";
  return fs::exists(openmp / "libblas.so.3", error) ? openmp.string() : "";
}

}  // namespace

std::string CpuFeatures::summary() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (on) out += (out.empty() ? "" : " ") + std::string(name);
  };
  add(avx, "AVX");
  add(avx2, "AVX2");
  add(fma, "FMA");
  add(avx512f, "AVX-512F");
  add(avx512_skylake(), "AVX-512(BW,DQ,VL)");
  add(avx512_bf16, "AVX512-BF16");
  add(amx_bf16, "AMX-BF16");
  return out.empty() ? "SSE only" : out;
}

CpuFeatures detect_cpu_features() {
  CpuFeatures cpu;
  cpu.vendor = cpu_vendor();
  __builtin_cpu_init();
  // __builtin_cpu_supports also checks that the OS saves the wide registers (XSAVE).
  cpu.avx = __builtin_cpu_supports("avx");
  cpu.avx2 = __builtin_cpu_supports("avx2");
  cpu.fma = __builtin_cpu_supports("fma");
  cpu.avx512f = __builtin_cpu_supports("avx512f");
  cpu.avx512bw = __builtin_cpu_supports("avx512bw");
  cpu.avx512vl = __builtin_cpu_supports("avx512vl");
  cpu.avx512dq = __builtin_cpu_supports("avx512dq");
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (cpu.avx512f && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx))
    cpu.avx512_bf16 = (eax >> 5) & 1u;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) cpu.amx_bf16 = (edx >> 22) & 1u;
  return cpu;
}

BlasInfo detect_blas() {
  BlasInfo info;
  using NameFn = char* (*)();
  auto corename = find_symbol<NameFn>("openblas_get_corename");
  auto config = find_symbol<NameFn>("openblas_get_config");
  info.is_openblas = corename != nullptr;
  if (corename) info.core = corename();
  if (config) info.config = config();
  if (const char* env = std::getenv("OPENBLAS_CORETYPE")) info.coretype_env = env;
  if (info.is_openblas && info.config.find("USE_OPENMP") == std::string::npos)
    info.openmp_build_dir = openmp_build_beside(reinterpret_cast<void*>(config));
  return info;
}

bool is_generic_openblas_core(const std::string& core) { return core_rank(core) == 0; }

std::string better_openblas_core(const std::string& current_core, const CpuFeatures& cpu) {
  std::string best;
  int best_rank = 0;
  if (cpu.avx512_skylake()) {
    best = "SkylakeX";
    best_rank = 3;
  } else if (cpu.avx2 && cpu.fma) {
    best = cpu.vendor == "AuthenticAMD" ? "Zen" : "Haswell";
    best_rank = 2;
  } else if (cpu.avx) {
    best = "Sandybridge";
    best_rank = 1;
  }
  const int current = core_rank(current_core);
  // An unknown name is a core this table does not know (newer OpenBLAS): trust it.
  if (current < 0 || best.empty() || current >= best_rank) return {};
  return best;
}

std::vector<std::string> blas_problems(const BlasInfo& blas, const CpuFeatures& cpu) {
  std::vector<std::string> problems;
  if (!blas.is_openblas) {
    problems.push_back(
        "libtorch is not using OpenBLAS (probably the reference BLAS, ~15x slower GEMM): "
        "install libopenblas0-pthread (sudo apt-get install libopenblas0-pthread)");
    return problems;
  }
  const std::string better = better_openblas_core(blas.core, cpu);
  if (better.empty()) return problems;
  if (!blas.coretype_env.empty())
    problems.push_back("OPENBLAS_CORETYPE=" + blas.coretype_env + " makes OpenBLAS use '" +
                       blas.core + "' kernels but this CPU supports '" + better +
                       "': unset OPENBLAS_CORETYPE or set OPENBLAS_CORETYPE=" + better);
  else
    problems.push_back("OpenBLAS detected this CPU as '" + blas.core +
                       "' (slow kernels): run with "
                       "OPENBLAS_CORETYPE=" +
                       better);
  return problems;
}

EnvironmentFix plan_environment(const BlasInfo& blas, const CpuFeatures& cpu, Workload workload,
                                bool omp_wait_policy_set, const std::string& ld_library_path) {
  EnvironmentFix fix;
  if (!blas.is_openblas) return fix;
  const std::string better = better_openblas_core(blas.core, cpu);
  const bool fix_core = !better.empty() && blas.coretype_env.empty();
  if (fix_core) {
    fix.set.emplace_back("OPENBLAS_CORETYPE", better);
    fix.reasons.push_back("OpenBLAS chose the '" + blas.core + "' core; this CPU supports '" +
                          better + "'");
  }
  if (!omp_wait_policy_set && (workload == Workload::compute || fix_core)) {
    fix.set.emplace_back("OMP_WAIT_POLICY", "PASSIVE");
    fix.reasons.push_back("libtorch's OpenMP threads would spin against OpenBLAS's own");
  }
  // A library path that names an OpenBLAS folder is the user's choice of build.
  if (workload == Workload::compute && !blas.openmp_build_dir.empty() &&
      ld_library_path.find("openblas") == std::string::npos) {
    fix.set.emplace_back(
        "LD_LIBRARY_PATH",
        blas.openmp_build_dir + (ld_library_path.empty() ? "" : ":") + ld_library_path);
    fix.reasons.push_back(
        "OpenBLAS's pthreads would spin against libtorch's OpenMP threads: using the OpenMP "
        "build of OpenBLAS, which shares libtorch's threads");
  }
  return fix;
}

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<int>(online) : 1;
}

}  // namespace rubrika
