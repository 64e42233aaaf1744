// Self-attention for CPU fp32 inference without the copies of the module path: scores and
// context are computed head by head straight from the fused [batch, seq, 3·hidden] projection
// into a [batch·seq, hidden] result, with the heads spread over libtorch's intra-op threads.
// Only right-padded batches qualify: each row then attends to its first key_lengths[b] keys,
// which is exactly Hugging Face's additive mask (exp(lowest - max) is 0 in fp32).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace rubrika::bert {

// Valid tokens per row when every row of attention_mask [batch, seq] is ones then zeros and
// has at least one token; nullopt otherwise (the caller falls back to the additive mask).
std::optional<std::vector<int64_t>> right_padded_lengths(const torch::Tensor& attention_mask);

// qkv: [batch, seq, 3·hidden] fp32 contiguous, biases added, heads side by side in each third;
// key_lengths: one per batch row → context [batch·seq, hidden] (softmax(q·kᵀ/√d)·v per head)
torch::Tensor attention_by_head(const torch::Tensor& qkv, int64_t heads,
                                const std::vector<int64_t>& key_lengths);

}  // namespace rubrika::bert
