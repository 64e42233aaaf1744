// Which waiting texts go into the next batch: a pure function, so the policy is tested
// without threads.
//
// The oldest text is always taken (nothing starves: every text becomes the oldest within
// a bounded time). The others are added nearest in length to it first — length
// bucketing: a batch is padded to its longest text, so texts of similar length waste the
// least compute — while the batch stays within max_texts and its padded size
// (longest × texts) within max_tokens. A single text longer than max_tokens still goes
// alone (the encoder truncates it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rubrika::serve {

struct BatchLimits {
  int64_t max_texts = 32;
  int64_t max_tokens = 8192;  // padded: longest text × number of texts
};

struct BatchChoice {
  std::vector<size_t> picked;  // indices into the input, oldest first then by added order
  bool full = false;           // a limit left a waiting text out: close the batch now
  int64_t padded_tokens = 0;   // longest picked × picked.size()
};

// `tokens[i]`: token count of the i-th waiting text, oldest first. Empty input → empty choice.
BatchChoice choose_batch(const std::vector<int64_t>& tokens, const BatchLimits& limits);

}  // namespace rubrika::serve
