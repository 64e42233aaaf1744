#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/runtime.hpp>

#include <gtest/gtest.h>

#include <map>

namespace rubrika {
namespace {

CpuFeatures avx512_intel() {
  CpuFeatures cpu;
  cpu.vendor = "GenuineIntel";
  cpu.avx = cpu.avx2 = cpu.fma = true;
  cpu.avx512f = cpu.avx512bw = cpu.avx512vl = cpu.avx512dq = true;
  return cpu;
}

TEST(BlasCore, PrescottOnAvx512MachineBecomesSkylakeX) {
  EXPECT_EQ(better_openblas_core("Prescott", avx512_intel()), "SkylakeX");
  EXPECT_EQ(better_openblas_core("Haswell", avx512_intel()), "SkylakeX");
  EXPECT_EQ(better_openblas_core("SkylakeX", avx512_intel()), "");
}

TEST(BlasCore, Avx2MachinesGetHaswellOrZen) {
  CpuFeatures cpu;
  cpu.avx = cpu.avx2 = cpu.fma = true;
  cpu.vendor = "AuthenticAMD";
  EXPECT_EQ(better_openblas_core("Prescott", cpu), "Zen");
  EXPECT_EQ(better_openblas_core("Zen", cpu), "");
  cpu.vendor = "GenuineIntel";
  EXPECT_EQ(better_openblas_core("Sandybridge", cpu), "Haswell");
}

TEST(BlasCore, UnknownCoreNamesAreTrusted) {
  EXPECT_EQ(better_openblas_core("Neoversen2", avx512_intel()), "");
  EXPECT_TRUE(is_generic_openblas_core("PRESCOTT"));
  EXPECT_FALSE(is_generic_openblas_core("Haswell"));
}

TEST(BlasCore, ProblemsSayHowToFix) {
  BlasInfo reference;
  reference.is_openblas = false;
  auto problems = blas_problems(reference, avx512_intel());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("libopenblas0-pthread"), std::string::npos);

  BlasInfo user_set{true, "Prescott", "", "Prescott"};
  problems = blas_problems(user_set, avx512_intel());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("OPENBLAS_CORETYPE=SkylakeX"), std::string::npos);

  BlasInfo fine{true, "SkylakeX", "", ""};
  EXPECT_TRUE(blas_problems(fine, avx512_intel()).empty());
}

BlasInfo openblas(const std::string& core, const std::string& coretype_env = {}) {
  BlasInfo blas;
  blas.is_openblas = true;
  blas.core = core;
  blas.coretype_env = coretype_env;
  return blas;
}

std::map<std::string, std::string> as_map(const EnvironmentFix& fix) {
  EXPECT_EQ(fix.set.size(), fix.reasons.size()) << "one reason per variable";
  return {fix.set.begin(), fix.set.end()};
}

TEST(EnvironmentPlan, AMisdetectedCoreRestartsEvenALightCommandAndFixesThreadingToo) {
  auto fix = as_map(plan_environment(openblas("Prescott"), avx512_intel(), Workload::light, false));
  EXPECT_EQ(fix["OPENBLAS_CORETYPE"], "SkylakeX");
  EXPECT_EQ(fix["OMP_WAIT_POLICY"], "PASSIVE");
}

TEST(EnvironmentPlan, ARightCoreRestartsOnlyComputeCommandsForTheWaitPolicy) {
  EXPECT_TRUE(
      plan_environment(openblas("SkylakeX"), avx512_intel(), Workload::light, false).set.empty());
  auto fix =
      as_map(plan_environment(openblas("SkylakeX"), avx512_intel(), Workload::compute, false));
  EXPECT_EQ(fix.size(), 1u);
  EXPECT_EQ(fix["OMP_WAIT_POLICY"], "PASSIVE");
}

TEST(EnvironmentPlan, WhatTheUserSetIsNeverOverridden) {
  // A slow core the user chose stays (doctor and the log say it is slow).
  auto fix =
      plan_environment(openblas("Prescott", "Prescott"), avx512_intel(), Workload::light, false);
  EXPECT_TRUE(fix.set.empty());
  // A wait policy the user chose stays too.
  EXPECT_TRUE(
      plan_environment(openblas("SkylakeX"), avx512_intel(), Workload::compute, true).set.empty());
  auto core_only =
      as_map(plan_environment(openblas("Prescott"), avx512_intel(), Workload::compute, true));
  EXPECT_EQ(core_only.size(), 1u);
  EXPECT_EQ(core_only["OPENBLAS_CORETYPE"], "SkylakeX");
}

TEST(EnvironmentPlan, ComputeWorkMovesToTheOpenMpBuildWhenItIsInstalled) {
  BlasInfo pthread_build = openblas("SkylakeX");
  pthread_build.openmp_build_dir = "/usr/lib/x86_64-linux-gnu/openblas-openmp";
  {
    auto fix = as_map(plan_environment(pthread_build, avx512_intel(), Workload::compute, true, ""));
    EXPECT_EQ(fix["LD_LIBRARY_PATH"], "/usr/lib/x86_64-linux-gnu/openblas-openmp");
  }
  // The user's own path is kept, after the OpenMP build's folder.
  auto kept =
      as_map(plan_environment(pthread_build, avx512_intel(), Workload::compute, true, "/opt/lib"));
  EXPECT_EQ(kept["LD_LIBRARY_PATH"], "/usr/lib/x86_64-linux-gnu/openblas-openmp:/opt/lib");
  // A path that already names an OpenBLAS folder is the user's choice; light work never moves.
  EXPECT_TRUE(plan_environment(pthread_build, avx512_intel(), Workload::compute, true,
                               "/usr/lib/x86_64-linux-gnu/openblas-pthread")
                  .set.empty());
  EXPECT_EQ(as_map(plan_environment(pthread_build, avx512_intel(), Workload::light, false, ""))
                .count("LD_LIBRARY_PATH"),
            0u);
  // Without the OpenMP build installed (or already on it) nothing changes.
  EXPECT_TRUE(plan_environment(openblas("SkylakeX"), avx512_intel(), Workload::compute, true, "")
                  .set.empty());
}

TEST(EnvironmentPlan, WithoutOpenBlasNoRestartHelps) {
  BlasInfo reference;  // is_openblas false: only a warning helps (install the package)
  EXPECT_TRUE(plan_environment(reference, avx512_intel(), Workload::compute, false).set.empty());
}

TEST(BlasCore, ThisProcessRunsOpenBlasWithAKnownCore) {
  BlasInfo blas = detect_blas();
  ASSERT_TRUE(blas.is_openblas) << "libtorch is not linked to OpenBLAS here";
  EXPECT_FALSE(blas.core.empty());
  EXPECT_GE(usable_cores(), 1);
}

TEST(Device, ResolvesCpuAndRejectsNonsense) {
  EXPECT_TRUE(resolve_device("cpu").is_cpu());
  EXPECT_THROW(resolve_device("gpu"), InputError);
  EXPECT_THROW(resolve_device("cuda:x"), InputError);
}

TEST(Device, CudaWithoutCudaIsAClearError) {
  if (resolve_device("auto").is_cuda()) GTEST_SKIP() << "this machine has CUDA";
  try {
    resolve_device("cuda:0");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA is not available"), std::string::npos);
  }
}

}  // namespace
}  // namespace rubrika
