// rubrika doctor [--json]: what this machine gives libtorch, and how to fix what is wrong.
#include "cli_common.hpp"

#include <rubrika/runtime.hpp>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

namespace rubrika::cli {
namespace {

struct GemmResult {
  int64_t size = 0;
  int64_t calls = 0;
  double seconds = 0;
  double gflops = 0;
};

// fp32 square GEMM for about `budget` seconds, after one warm-up call.
GemmResult measure_gemm(int64_t n, double budget) {
  c10::InferenceMode guard;
  at::manual_seed(0);
  auto a = at::randn({n, n});
  auto b = at::randn({n, n});
  auto c = at::mm(a, b);
  GemmResult result;
  result.size = n;
  auto start = std::chrono::steady_clock::now();
  do {
    c = at::mm(a, b);
    ++result.calls;
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (result.seconds < budget);
  result.gflops = 2.0 * n * n * n * result.calls / result.seconds / 1e9;
  return result;
}

nlohmann::json collect(double gemm_seconds) {
  const CpuFeatures cpu = detect_cpu_features();
  const BlasInfo blas = detect_blas();
  nlohmann::json report;
  report["libtorch"] = TORCH_VERSION;
  report["cuda"] = {
      {"available", torch::cuda::is_available()},
      {"device_count", torch::cuda::is_available() ? torch::cuda::device_count() : 0}};
  report["threads"] = {
      {"intra_op", at::get_num_threads()},
      {"inter_op", at::get_num_interop_threads()},
      {"usable_cores", usable_cores()},
      {"OMP_WAIT_POLICY", std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : ""}};
  report["cpu"] = {{"vendor", cpu.vendor},
                   {"isa", cpu.summary()},
                   {"avx2", cpu.avx2},
                   {"avx512", cpu.avx512_skylake()},
                   {"avx512_bf16", cpu.avx512_bf16}};
  report["blas"] = {{"openblas", blas.is_openblas},
                    {"core", blas.core},
                    {"config", blas.config},
                    {"OPENBLAS_CORETYPE", blas.coretype_env},
                    {"best_core", better_openblas_core(blas.core, cpu)}};
  if (gemm_seconds > 0) {
    GemmResult gemm = measure_gemm(1024, gemm_seconds);
    report["gemm_fp32"] = {{"size", gemm.size},
                           {"calls", gemm.calls},
                           {"seconds", gemm.seconds},
                           {"gflops", gemm.gflops}};
  }
  std::vector<std::string> problems = blas_problems(blas, cpu);
  if (at::get_num_threads() < usable_cores())
    problems.push_back("libtorch uses " + std::to_string(at::get_num_threads()) + " thread(s) of " +
                       std::to_string(usable_cores()) +
                       " usable cores: unset RUBRIKA_NUM_THREADS or raise it");
  report["problems"] = problems;
  return report;
}

void print_text(const nlohmann::json& r) {
  std::cout << "libtorch      " << r["libtorch"].get<std::string>() << "\n"
            << "CUDA          "
            << (r["cuda"]["available"].get<bool>() ? "available" : "not available") << ", "
            << r["cuda"]["device_count"] << " device(s)\n"
            << "threads       " << r["threads"]["intra_op"] << " intra-op, "
            << r["threads"]["inter_op"] << " inter-op, " << r["threads"]["usable_cores"]
            << " usable cores"
            << (r["threads"]["OMP_WAIT_POLICY"].get<std::string>().empty()
                    ? std::string(" (OpenMP threads spin; train/serve/predict restart with "
                                  "OMP_WAIT_POLICY=PASSIVE)")
                    : " (OMP_WAIT_POLICY=" + r["threads"]["OMP_WAIT_POLICY"].get<std::string>() +
                          ")")
            << "\n"
            << "CPU           " << r["cpu"]["vendor"].get<std::string>() << ": "
            << r["cpu"]["isa"].get<std::string>() << "\n";
  if (r["blas"]["openblas"].get<bool>()) {
    std::cout << "BLAS          OpenBLAS, core " << r["blas"]["core"].get<std::string>();
    if (!r["blas"]["OPENBLAS_CORETYPE"].get<std::string>().empty())
      std::cout << " (OPENBLAS_CORETYPE=" << r["blas"]["OPENBLAS_CORETYPE"].get<std::string>()
                << ")";
    std::cout << "\n              " << r["blas"]["config"].get<std::string>() << "\n";
  } else {
    std::cout << "BLAS          not OpenBLAS (reference BLAS?)\n";
  }
  if (r.contains("gemm_fp32"))
    std::cout << "fp32 GEMM     " << std::fixed << std::setprecision(1)
              << r["gemm_fp32"]["gflops"].get<double>() << " GFLOP/s (" << r["gemm_fp32"]["size"]
              << "^3, " << r["gemm_fp32"]["calls"] << " calls in " << std::setprecision(2)
              << r["gemm_fp32"]["seconds"].get<double>() << " s)\n";
  if (r["problems"].empty()) {
    std::cout << "status        OK\n";
  } else {
    for (const auto& p : r["problems"])
      std::cout << "PROBLEM       " << p.get<std::string>() << "\n";
  }
}

}  // namespace

int run_doctor(const std::vector<std::string>& args) {
  double seconds = 1.0;
  boost::program_options::options_description options("doctor");
  options.add_options()("json", "one JSON document instead of text")(
      "gemm-seconds", boost::program_options::value(&seconds)->default_value(1.0),
      "how long to measure fp32 GEMM (0 skips it)");
  auto values = parse_options(args, "rubrika doctor [--json] [--gemm-seconds S]", options);
  if (!values) return kOk;
  nlohmann::json report = collect(seconds);
  if (values->count("json")) {
    std::cout << report.dump(2) << "\n";
  } else {
    print_text(report);
  }
  return report["problems"].empty() ? kOk : kFailure;
}

}  // namespace rubrika::cli
