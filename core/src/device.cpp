#include <rubrika/device.hpp>
#include <rubrika/error.hpp>

#include <torch/cuda.h>

namespace rubrika {

torch::Device resolve_device(const std::string& spec) {
  const bool has_cuda = torch::cuda::is_available();
  const int64_t count = has_cuda ? static_cast<int64_t>(torch::cuda::device_count()) : 0;
  if (spec == "auto") return has_cuda ? torch::Device(c10::kCUDA, 0) : torch::Device(c10::kCPU);
  if (spec == "cpu") return c10::kCPU;
  if (spec == "cuda" || spec.rfind("cuda:", 0) == 0) {
    int64_t index = 0;
    if (spec.size() > 5) {
      const std::string digits = spec.substr(5);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        throw InputError("bad device '" + spec + "'", "", "use auto, cpu, cuda or cuda:N");
      index = std::stoll(digits);
    }
    if (!has_cuda)
      throw InputError("device '" + spec + "' asked for, but CUDA is not available", "",
                       "this libtorch build or machine has no CUDA device; use device = \"cpu\"");
    if (index >= count)
      throw InputError("device '" + spec + "' does not exist", "",
                       "this machine has " + std::to_string(count) + " CUDA device(s)");
    return torch::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw InputError("unknown device '" + spec + "'", "", "use auto, cpu, cuda or cuda:N");
}

}  // namespace rubrika
