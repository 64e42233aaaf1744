// Device selection at run time, so one binary works with CPU and CUDA builds of libtorch.
#pragma once

#include <rubrika/tensor.hpp>

#include <string>

namespace rubrika {

// "auto" → cuda:0 when CUDA is available, else cpu; "cpu"; "cuda"; "cuda:N".
// Throws rubrika::InputError for an unknown spec, or when CUDA is asked for and this build
// or machine has none (naming how many devices exist).
torch::Device resolve_device(const std::string& spec);

}  // namespace rubrika
