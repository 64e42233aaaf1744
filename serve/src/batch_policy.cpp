#include <rubrika/serve/batch_policy.hpp>

#include <algorithm>
#include <numeric>

namespace rubrika::serve {

BatchChoice choose_batch(const std::vector<int64_t>& tokens, const BatchLimits& limits) {
  BatchChoice choice;
  if (tokens.empty()) return choice;
  const int64_t anchor = tokens[0];
  std::vector<size_t> order(tokens.size() - 1);
  std::iota(order.begin(), order.end(), 1);
  // Nearest in length to the oldest text first; ties keep arrival order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::llabs(tokens[a] - anchor) < std::llabs(tokens[b] - anchor);
  });
  choice.picked.push_back(0);
  int64_t longest = anchor;
  for (size_t index : order) {
    const int64_t count = static_cast<int64_t>(choice.picked.size());
    if (count >= limits.max_texts) {
      choice.full = true;
      break;
    }
    const int64_t new_longest = std::max(longest, tokens[index]);
    if (new_longest * (count + 1) > limits.max_tokens) {
      choice.full = true;  // a shorter text further down the order may still fit
      continue;
    }
    choice.picked.push_back(index);
    longest = new_longest;
  }
  // A batch that no further text could join is complete even when nothing else waits:
  // at its size limit, or one more text of any length would pass the token budget.
  const auto count = static_cast<int64_t>(choice.picked.size());
  if (count >= limits.max_texts || longest * (count + 1) > limits.max_tokens) choice.full = true;
  choice.padded_tokens = longest * static_cast<int64_t>(choice.picked.size());
  return choice;
}

}  // namespace rubrika::serve
