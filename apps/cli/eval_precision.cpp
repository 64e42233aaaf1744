#include "eval_precision.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

namespace rubrika::cli {
namespace {

// Calibrated probabilities of every text, and the seconds the forward passes took.
std::pair<at::Tensor, double> timed_probabilities(Pipeline& pipeline,
                                                  const std::vector<std::string>& normalized,
                                                  int64_t batch_size) {
  const size_t warmup = std::min<size_t>(normalized.size(), static_cast<size_t>(batch_size));
  pipeline.forward(std::vector<std::string>(normalized.begin(), normalized.begin() + warmup));
  const auto start = std::chrono::steady_clock::now();
  ForwardResult result = pipeline.forward_all(normalized, batch_size);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {result.probabilities.to(at::kFloat), seconds};
}

}  // namespace

nlohmann::json PrecisionComparison::to_json(const std::string& dtype) const {
  return {{"dtype", dtype},
          {"texts", texts},
          {"top1_agreement_with_fp32", top1_agreement},
          {"max_probability_diff", max_probability_diff},
          {"fp32_seconds", fp32_seconds},
          {dtype + "_seconds", other_seconds},
          {"speedup", other_seconds > 0 ? fp32_seconds / other_seconds : 0.0}};
}

PrecisionComparison compare_precisions(Pipeline& fp32, Pipeline& other,
                                       const std::vector<std::string>& texts, int64_t batch_size) {
  std::vector<std::string> normalized;
  normalized.reserve(texts.size());
  for (const auto& text : texts) normalized.push_back(fp32.normalize(text));
  PrecisionComparison out;
  out.texts = texts.size();
  if (texts.empty()) return out;
  auto [low, low_seconds] = timed_probabilities(other, normalized, batch_size);
  auto [high, high_seconds] = timed_probabilities(fp32, normalized, batch_size);
  out.other_seconds = low_seconds;
  out.fp32_seconds = high_seconds;
  out.top1_agreement = (low.argmax(1) == high.argmax(1)).to(at::kDouble).mean().item<double>();
  out.max_probability_diff = (low - high).abs().max().item<double>();
  return out;
}

}  // namespace rubrika::cli
