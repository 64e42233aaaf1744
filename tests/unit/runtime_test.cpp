#include <rubrika/device.hpp>
#include <rubrika/error.hpp>
#include <rubrika/runtime.hpp>

#include <gtest/gtest.h>

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
