#include <rubrika/random.hpp>
#include <rubrika/train/trainer.hpp>

#include <algorithm>
#include <numeric>

namespace rubrika {

double linear_schedule(int64_t step, int64_t warmup, int64_t total) {
  if (warmup > 0 && step < warmup) return static_cast<double>(step) / static_cast<double>(warmup);
  if (total <= warmup) return 1.0;
  return std::max(0.0, static_cast<double>(total - step) / static_cast<double>(total - warmup));
}

bool is_no_decay_parameter(const std::string& name) {
  auto ends_with = [&](const std::string& suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with("bias") || name.find("LayerNorm") != std::string::npos ||
         name.find("layer_norm") != std::string::npos;
}

std::vector<std::vector<int64_t>> epoch_batches(int64_t num_examples, int64_t batch_size,
                                                uint64_t seed, int64_t epoch,
                                                const std::vector<int64_t>* lengths) {
  SplitMix64 rng(seed ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(epoch + 1)));
  std::vector<int64_t> order(static_cast<size_t>(num_examples));
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, rng);
  if (lengths != nullptr) {
    // Hugging Face's LengthGroupedSampler: sort inside mega-batches of 50 batches so each
    // batch pads little while the epoch stays shuffled.
    const auto mega = static_cast<size_t>(batch_size * 50);
    for (size_t begin = 0; begin < order.size(); begin += mega) {
      auto end = std::min(order.size(), begin + mega);
      std::stable_sort(order.begin() + static_cast<long>(begin),
                       order.begin() + static_cast<long>(end), [&](int64_t a, int64_t b) {
                         return (*lengths)[static_cast<size_t>(a)] >
                                (*lengths)[static_cast<size_t>(b)];
                       });
    }
  }
  std::vector<std::vector<int64_t>> batches;
  for (size_t begin = 0; begin < order.size(); begin += static_cast<size_t>(batch_size)) {
    auto end = std::min(order.size(), begin + static_cast<size_t>(batch_size));
    batches.emplace_back(order.begin() + static_cast<long>(begin),
                         order.begin() + static_cast<long>(end));
  }
  if (lengths != nullptr && batches.size() > 1) {
    // Longest batch first (fails fast on memory), the rest in random order.
    size_t longest = 0;
    for (size_t i = 1; i < batches.size(); ++i)
      if ((*lengths)[static_cast<size_t>(batches[i][0])] >
          (*lengths)[static_cast<size_t>(batches[longest][0])])
        longest = i;
    std::swap(batches[0], batches[longest]);
    std::vector<std::vector<int64_t>> rest(batches.begin() + 1, batches.end());
    shuffle(rest, rng);
    std::copy(rest.begin(), rest.end(), batches.begin() + 1);
  }
  return batches;
}

}  // namespace rubrika
