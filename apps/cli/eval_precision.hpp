// `rubrika eval --dtype D`: how a lower inference precision compares with fp32 on the same
// texts — how often the top-1 label stays the same, how far probabilities move, and how
// much faster the forward passes are. The check a user runs before serving in bf16.
#pragma once

#include <rubrika/pipeline.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rubrika::cli {

struct PrecisionComparison {
  size_t texts = 0;
  double top1_agreement = 0.0;        // share of texts whose top-1 label is the same
  double max_probability_diff = 0.0;  // largest |p_fp32 - p_other| over texts and labels
  double fp32_seconds = 0.0;          // encoder + head + calibrator, all texts
  double other_seconds = 0.0;

  nlohmann::json to_json(const std::string& dtype) const;
};

// Runs `fp32` and `other` (the same run folder loaded in two precisions) over the raw
// `texts` in batches of `batch_size`, the other precision first and then fp32, each after
// one untimed warm-up batch.
PrecisionComparison compare_precisions(Pipeline& fp32, Pipeline& other,
                                       const std::vector<std::string>& texts, int64_t batch_size);

}  // namespace rubrika::cli
