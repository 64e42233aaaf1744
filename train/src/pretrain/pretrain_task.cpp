#include <rubrika/error.hpp>
#include <rubrika/train/pretrain_task.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <numeric>

namespace rubrika {

namespace {

// A generator for one batch's masks: seeded by the run seed and the batch's examples
// (splitmix64 over them), so every batch of every epoch and every worker's share draws its
// own masks, and a resumed run draws the same ones again.
at::Generator batch_generator(uint64_t seed, const std::vector<int64_t>& batch) {
  uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;
  for (int64_t index : batch) {
    h += static_cast<uint64_t>(index) + 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
  }
  return at::make_generator<at::CPUGeneratorImpl>(h);
}

std::vector<int64_t> rows_from(int64_t begin, int64_t end) {
  std::vector<int64_t> rows(static_cast<size_t>(end - begin));
  std::iota(rows.begin(), rows.end(), begin);
  return rows;
}

}  // namespace

PretrainTask::PretrainTask(Encoder& encoder, MaskedLanguageModel& model, TokenizedCorpus train,
                           TokenizedCorpus held_out, MaskingVocabulary vocabulary,
                           MaskingOptions masking, int64_t eval_batch_size, uint64_t seed)
    : encoder_(encoder),
      model_(model),
      train_(std::move(train)),
      held_out_(std::move(held_out)),
      vocabulary_(std::move(vocabulary)),
      masking_(masking),
      eval_batch_size_(eval_batch_size),
      seed_(seed) {
  if (train_.size() == 0) throw InputError("no texts to pretrain on", "[pretrain]");
  if (held_out_.size() == 0)
    throw InputError("no validation texts to measure pretraining on", "[pretrain]",
                     "give the data a validation split");
  at::Generator fixed = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (int64_t begin = 0; begin < held_out_.size(); begin += eval_batch_size_) {
    const TokenBatch batch =
        held_out_.batch(rows_from(begin, std::min(held_out_.size(), begin + eval_batch_size_)));
    held_out_masks_.push_back(
        mask_tokens(batch.input_ids, batch.attention_mask, vocabulary_, masking_, fixed));
  }
}

std::pair<torch::Tensor, int64_t> PretrainTask::score(const TokenBatch& batch,
                                                      const MaskedTokens& masked) {
  TokenBatch input = batch;
  input.input_ids = masked.input_ids;
  const at::Tensor predict = masked.labels != kIgnoredLabel;
  const at::Tensor logits = model_.masked_token_logits(input, predict);  // [chosen, vocab]
  const at::Tensor targets = masked.labels.index({predict}).to(logits.device());
  const at::Tensor loss =
      at::cross_entropy_loss(logits, targets, {}, at::Reduction::Sum, kIgnoredLabel, 0.0);
  // Counting hits waits for the device; only evaluation (no gradients) asks for them.
  const int64_t correct =
      logits.requires_grad() ? 0 : (logits.argmax(1) == targets).sum().item<int64_t>();
  return {loss, correct};
}

torch::Tensor PretrainTask::loss(const std::vector<int64_t>& batch) {
  const TokenBatch tokens = train_.batch(batch);
  const MaskedTokens masked = mask_tokens(tokens.input_ids, tokens.attention_mask, vocabulary_,
                                          masking_, batch_generator(seed_, batch));
  return score(tokens, masked).first / static_cast<double>(std::max<int64_t>(masked.chosen, 1));
}

std::map<std::string, double> PretrainTask::evaluate() {
  double loss_sum = 0.0;
  int64_t correct = 0, chosen = 0;
  for (size_t i = 0; i < held_out_masks_.size(); ++i) {
    const auto begin = static_cast<int64_t>(i) * eval_batch_size_;
    const TokenBatch batch =
        held_out_.batch(rows_from(begin, std::min(held_out_.size(), begin + eval_batch_size_)));
    const auto [loss, right] = score(batch, held_out_masks_[i]);
    loss_sum += loss.item<double>();
    correct += right;
    chosen += held_out_masks_[i].chosen;
  }
  const double loss = loss_sum / static_cast<double>(std::max<int64_t>(chosen, 1));
  return {{"loss", loss},
          {"accuracy",
           static_cast<double>(correct) / static_cast<double>(std::max<int64_t>(chosen, 1))},
          {"perplexity", std::exp(std::min(loss, 50.0))},
          {"masked_tokens", static_cast<double>(chosen)}};
}

NamedParameters PretrainTask::named_parameters() {
  NamedParameters out = encoder_.named_parameters();
  for (auto& item : model_.masked_lm_head_parameters()) out.push_back(std::move(item));
  return out;
}

}  // namespace rubrika
