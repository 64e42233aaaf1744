#include "added_head_training.hpp"

#include <rubrika/error.hpp>
#include <rubrika/log.hpp>
#include <rubrika/random.hpp>

#include <torch/optim/adamw.h>

#include <chrono>
#include <numeric>

namespace rubrika::detail {

namespace {

constexpr const char* kSource = "extend";

// The rows of a split that teach the added labels: multi-label, those with a known truth for
// one of them at least; single-label, all.
std::vector<const ExtendText*> rows_for(const AddedHeadTraining& job, SplitPart part) {
  std::vector<const ExtendText*> out;
  for (const ExtendText* row : job.texts.split(part)) {
    if (!job.texts.multi_label) {
      out.push_back(row);
      continue;
    }
    for (int64_t c : job.added_columns)
      if (row->known[static_cast<size_t>(c)]) {
        out.push_back(row);
        break;
      }
  }
  return out;
}

// The loss of `rows` (summed over the batch's known targets, divided by their count).
at::Tensor batch_loss(const AddedHeadTraining& job, const std::vector<const ExtendText*>& rows) {
  std::vector<size_t> ids;
  for (const ExtendText* row : rows) ids.push_back(row->text);
  at::Tensor text_of_row;
  EncoderOutput encoded = job.features.rows_of(ids, text_of_row);
  encoded.cls = encoded.cls.to(job.device);
  if (encoded.pooled.defined()) encoded.pooled = encoded.pooled.to(job.device);
  encoded.last_hidden_state = encoded.last_hidden_state.to(job.device);
  encoded.attention_mask = encoded.attention_mask.to(job.device);
  at::Tensor logits = job.head.forward(encoded);
  logits =
      pool_windows(logits, text_of_row.to(job.device), static_cast<int64_t>(rows.size()), job.pool);
  if (!job.texts.multi_label) {
    std::vector<int64_t> labels;
    for (const ExtendText* row : rows) labels.push_back(row->label);
    return at::cross_entropy_loss(logits, at::tensor(labels, at::kLong).to(job.device));
  }
  const auto columns = static_cast<int64_t>(job.added_columns.size());
  std::vector<float> truth, known;
  for (const ExtendText* row : rows)
    for (int64_t c : job.added_columns) {
      truth.push_back(row->truth[static_cast<size_t>(c)]);
      known.push_back(row->known[static_cast<size_t>(c)] ? 1.0f : 0.0f);
    }
  const auto shape = std::vector<int64_t>{static_cast<int64_t>(rows.size()), columns};
  const at::Tensor target = at::tensor(truth).view(shape).to(job.device);
  const at::Tensor mask = at::tensor(known).view(shape).to(job.device);
  const at::Tensor added = logits.index_select(1, at::tensor(job.added_columns).to(job.device));
  const at::Tensor each =
      at::binary_cross_entropy_with_logits(added, target, {}, {}, at::Reduction::None);
  return (each * mask).sum() / mask.sum().clamp_min(1.0);
}

double validation_loss(const AddedHeadTraining& job, const std::vector<const ExtendText*>& rows) {
  c10::InferenceMode guard;
  job.head.set_training(false);
  double total = 0.0;
  constexpr size_t kBatch = 512;
  for (size_t begin = 0; begin < rows.size(); begin += kBatch) {
    const std::vector<const ExtendText*> chunk(
        rows.begin() + static_cast<long>(begin),
        rows.begin() + static_cast<long>(std::min(rows.size(), begin + kBatch)));
    total += batch_loss(job, chunk).item<double>() * static_cast<double>(chunk.size());
  }
  return total / static_cast<double>(std::max<size_t>(rows.size(), 1));
}

double train_epoch(const AddedHeadTraining& job, std::vector<const ExtendText*>& rows,
                   torch::optim::Optimizer& optimizer, SplitMix64& random) {
  for (size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[random.below(i)]);
  job.head.set_training(true);
  double total = 0.0;
  const auto batch = static_cast<size_t>(job.options.batch_size);
  for (size_t begin = 0; begin < rows.size(); begin += batch) {
    const std::vector<const ExtendText*> chunk(
        rows.begin() + static_cast<long>(begin),
        rows.begin() + static_cast<long>(std::min(rows.size(), begin + batch)));
    optimizer.zero_grad();
    at::Tensor loss = batch_loss(job, chunk);
    loss.backward();
    optimizer.step();
    total += loss.item<double>() * static_cast<double>(chunk.size());
  }
  return total / static_cast<double>(std::max<size_t>(rows.size(), 1));
}

std::vector<at::Tensor> parameters_of(ExtendedHead& head) {
  std::vector<at::Tensor> out;
  for (auto& [name, tensor] : head.named_parameters()) out.push_back(tensor);
  return out;
}

// The frozen parts compute gradients for nothing unless told not to.
void freeze_other_parts(const ExtendedHead& head) {
  for (const auto& part : head.parts())
    if (!part.trainable)
      for (auto& [name, tensor] : part.component->named_parameters()) tensor.requires_grad_(false);
}

}  // namespace

nlohmann::json train_added_head(const AddedHeadTraining& job) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<const ExtendText*> train = rows_for(job, SplitPart::train);
  const std::vector<const ExtendText*> validation = rows_for(job, SplitPart::validation);
  if (train.empty() || validation.empty())
    throw InputError("no training or validation text teaches the added labels", "rubrika extend",
                     "give more labelled texts with --data");
  freeze_other_parts(job.head);
  std::vector<at::Tensor> parameters = parameters_of(job.head);
  if (parameters.empty())
    throw PluginError("the added labels' head has no parameters to train", "rubrika extend",
                      "choose a trainable head plugin with --head");
  torch::optim::AdamW optimizer(
      parameters,
      torch::optim::AdamWOptions(job.options.learning_rate).weight_decay(job.options.weight_decay));
  SplitMix64 random(job.options.seed);
  nlohmann::json history = nlohmann::json::array();
  double best = std::numeric_limits<double>::infinity();
  int64_t best_epoch = 0;
  std::vector<at::Tensor> best_weights;
  for (int64_t epoch = 1; epoch <= job.options.epochs; ++epoch) {
    const double train_loss = train_epoch(job, train, optimizer, random);
    const double loss = validation_loss(job, validation);
    history.push_back({{"epoch", epoch}, {"train_loss", train_loss}, {"validation_loss", loss}});
    if (loss < best - 1e-5) {
      best = loss;
      best_epoch = epoch;
      best_weights.clear();
      for (const auto& p : parameters) best_weights.push_back(p.detach().clone());
    } else if (epoch - best_epoch >= job.options.patience) {
      break;
    }
  }
  if (best_weights.size() != parameters.size())
    throw Error("training the added head gave no finite validation loss", "rubrika extend",
                "try a lower --learning-rate");
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(best_weights[i]);
  }
  job.head.set_training(false);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_info(kSource, "added head: best validation loss " + std::to_string(best) + " at epoch " +
                        std::to_string(best_epoch) + " of " + std::to_string(history.size()) +
                        " (" + std::to_string(seconds) + " s)");
  return {{"epochs", history.size()},
          {"best_epoch", best_epoch},
          {"train_rows", train.size()},
          {"validation_rows", validation.size()},
          {"best_validation_loss", best},
          {"history", history},
          {"seconds", seconds}};
}

}  // namespace rubrika::detail
