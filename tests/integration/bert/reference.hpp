// Reading tests/data/hf-tiny-bert/reference.json (Hugging Face transformers 4.26.1 outputs).
#pragma once

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace rubrika::test {

inline const std::filesystem::path kTinyBert =
    std::filesystem::path(RUBRIKA_TEST_DATA_DIR) / "hf-tiny-bert";

// The parsed reference.json (parsed once per process).
const nlohmann::json& reference();

// A JSON number array (any depth) as a tensor: float32 (values as float32 results were
// written) or int64.
at::Tensor float_tensor(const nlohmann::json& j);
at::Tensor long_tensor(const nlohmann::json& j);

// max |a - b| as a double.
double max_abs_diff(const at::Tensor& a, const at::Tensor& b);

}  // namespace rubrika::test
