#include <rubrika/error.hpp>
#include <rubrika/metrics/ranking_metrics.hpp>
#include <rubrika/rerank/losses.hpp>
#include <rubrika/train/reranker_task.hpp>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace rubrika {

RerankerTask::RerankerTask(Reranker& reranker, std::vector<RerankGroup> train,
                           std::vector<RerankGroup> validation, RerankerTaskOptions options)
    : reranker_(reranker),
      train_(std::move(train)),
      validation_(std::move(validation)),
      options_(std::move(options)) {
  auto has_negatives = [](const RerankGroup& g) { return !g.negatives.empty(); };
  train_.erase(std::remove_if(train_.begin(), train_.end(),
                              [&](const RerankGroup& g) { return !has_negatives(g); }),
               train_.end());
  validation_.erase(std::remove_if(validation_.begin(), validation_.end(),
                                   [&](const RerankGroup& g) { return !has_negatives(g); }),
                    validation_.end());
  if (train_.empty())
    throw InputError("no reranker training groups with negatives (check the mining rules)");
  negatives_ = static_cast<int64_t>(train_.front().negatives.size());
  for (const auto& g : train_)
    negatives_ = std::min<int64_t>(negatives_, static_cast<int64_t>(g.negatives.size()));
  for (int64_t g = 0; g < static_cast<int64_t>(train_.size()); ++g) {
    pairs_.push_back({g, -1});
    for (int64_t n = 0; n < static_cast<int64_t>(train_[static_cast<size_t>(g)].negatives.size());
         ++n)
      pairs_.push_back({g, n});
  }
}

int64_t RerankerTask::num_examples() const {
  return options_.loss == RerankerLoss::listwise ? static_cast<int64_t>(train_.size())
                                                 : static_cast<int64_t>(pairs_.size());
}

int64_t RerankerTask::example_length(int64_t index) const {
  const RerankGroup& g = train_[static_cast<size_t>(
      options_.loss == RerankerLoss::listwise ? index : pairs_[static_cast<size_t>(index)].group)];
  return static_cast<int64_t>(g.text.size());
}

const std::string& RerankerTask::label_text(const RerankGroup& g, int64_t label) const {
  return label < 0 ? g.positive : g.negatives[static_cast<size_t>(label)];
}

torch::Tensor RerankerTask::score(const std::vector<RerankGroup>& groups,
                                  const std::vector<Pair>& pairs) {
  std::vector<std::string> texts, labels;
  for (const auto& p : pairs) {
    const RerankGroup& g = groups[static_cast<size_t>(p.group)];
    texts.push_back(g.text);
    labels.push_back(label_text(g, p.label));
  }
  return reranker_.score_pairs(texts, labels).to(at::kFloat);
}

torch::Tensor RerankerTask::loss(const std::vector<int64_t>& batch) {
  if (options_.loss == RerankerLoss::listwise) {
    std::vector<Pair> pairs;
    for (int64_t g : batch) {
      pairs.push_back({g, -1});
      for (int64_t n = 0; n < negatives_; ++n) pairs.push_back({g, n});
    }
    return listwise_loss(
        score(train_, pairs).view({static_cast<int64_t>(batch.size()), 1 + negatives_}));
  }
  std::vector<Pair> pairs;
  std::vector<float> targets;
  for (int64_t i : batch) {
    pairs.push_back(pairs_[static_cast<size_t>(i)]);
    targets.push_back(pairs.back().label < 0 ? 1.0f : 0.0f);
  }
  at::Tensor scores = score(train_, pairs);
  return pointwise_loss(scores, at::tensor(targets).to(scores.device()), options_.pos_weight);
}

std::map<std::string, double> RerankerTask::evaluate() {
  if (validation_.empty()) throw InputError("no reranker validation groups");
  std::vector<Pair> pairs;
  for (int64_t g = 0; g < static_cast<int64_t>(validation_.size()); ++g) {
    pairs.push_back({g, -1});
    for (int64_t n = 0;
         n < static_cast<int64_t>(validation_[static_cast<size_t>(g)].negatives.size()); ++n)
      pairs.push_back({g, n});
  }
  std::vector<double> scores;
  for (size_t begin = 0; begin < pairs.size();
       begin += static_cast<size_t>(options_.eval_batch_size)) {
    std::vector<Pair> chunk(
        pairs.begin() + static_cast<long>(begin),
        pairs.begin() + static_cast<long>(std::min(
                            pairs.size(), begin + static_cast<size_t>(options_.eval_batch_size))));
    at::Tensor s = score(validation_, chunk).to(at::kCPU, at::kDouble).contiguous();
    scores.insert(scores.end(), s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
  }
  double tp = 0, fp = 0, fn = 0, correct = 0, loss = 0;
  std::vector<int64_t> ranks;
  size_t at_pair = 0;
  for (const auto& g : validation_) {
    const double positive = scores[at_pair];
    int64_t rank = 1;
    for (size_t j = 0; j <= g.negatives.size(); ++j, ++at_pair) {
      const bool is_positive = j == 0;
      const double s = scores[at_pair];
      const bool says_match = s > 0;
      tp += says_match && is_positive;
      fp += says_match && !is_positive;
      fn += !says_match && is_positive;
      correct += says_match == is_positive;
      loss += std::log1p(std::exp(-std::abs(s))) + std::max(is_positive ? -s : s, 0.0);
      if (!is_positive && s >= positive) ++rank;
    }
    ranks.push_back(rank);
  }
  const double n = static_cast<double>(scores.size());
  int64_t longest = 1;
  for (const auto& g : validation_)
    longest = std::max<int64_t>(longest, 1 + static_cast<int64_t>(g.negatives.size()));
  return {{"pair_accuracy", correct / n},
          {"pair_f1", 2 * tp / std::max(2 * tp + fp + fn, 1e-12)},
          {"mrr", ranking_metrics(ranks, longest).mrr},
          {"loss", loss / n}};
}

}  // namespace rubrika
