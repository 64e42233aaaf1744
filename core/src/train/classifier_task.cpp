#include <rubrika/error.hpp>
#include <rubrika/train/classifier_task.hpp>

#include <torch/torch.h>

#include <numeric>

namespace rubrika {
namespace {

torch::Device device_of(Encoder& encoder, Head& head) {
  for (const auto& [name, t] : encoder.named_parameters()) return t.device();
  for (const auto& [name, t] : head.named_parameters()) return t.device();
  return torch::kCPU;
}

std::vector<std::string> pick(const std::vector<std::string>& texts, const std::vector<int64_t>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (int64_t r : rows) out.push_back(texts[static_cast<size_t>(r)]);
  return out;
}

// Macro-F1 over the classes that occur in truth or predictions (scikit-learn's default set).
double macro_f1(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted, int64_t classes) {
  std::vector<double> tp(static_cast<size_t>(classes)), fp(tp.size()), fn(tp.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] == predicted[i]) {
      tp[static_cast<size_t>(truth[i])] += 1;
    } else {
      fp[static_cast<size_t>(predicted[i])] += 1;
      fn[static_cast<size_t>(truth[i])] += 1;
    }
  }
  double sum = 0;
  int64_t present = 0;
  for (size_t c = 0; c < tp.size(); ++c) {
    if (tp[c] + fp[c] + fn[c] == 0) continue;
    ++present;
    sum += 2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]);
  }
  return present ? sum / static_cast<double>(present) : 0.0;
}

}  // namespace

ClassifierTask::ClassifierTask(Encoder& encoder, Head& head, LabelledTexts train,
                               LabelledTexts validation, ClassifierTaskOptions options)
    : encoder_(encoder),
      head_(head),
      train_(std::move(train)),
      validation_(std::move(validation)),
      options_(std::move(options)) {
  if (train_.size() == 0) throw InputError("no training texts for the classifier");
  const int64_t chunk = 256;
  for (size_t begin = 0; begin < train_.size(); begin += chunk) {
    std::vector<std::string> texts(train_.texts.begin() + static_cast<long>(begin),
                                   train_.texts.begin() + static_cast<long>(std::min(train_.size(), begin + chunk)));
    auto counts = encoder_.tokenize(texts).attention_mask.sum(1);
    for (int64_t i = 0; i < counts.size(0); ++i) lengths_.push_back(counts[i].item<int64_t>());
  }
  const auto device = device_of(encoder_, head_);
  if (options_.class_weights == "balanced") {
    const int64_t classes = head_.num_labels();
    if (head_.task() == TaskType::single_label) {
      auto counts = torch::bincount(torch::tensor(train_.labels, torch::kLong), {}, classes).to(torch::kDouble);
      class_weights_ = (static_cast<double>(train_.size()) / (classes * counts.clamp_min(1.0))).to(torch::kFloat);
    } else {
      std::vector<float> flat;
      for (const auto& row : train_.multi_hot) flat.insert(flat.end(), row.begin(), row.end());
      auto positives = torch::tensor(flat).view({-1, classes}).sum(0);
      class_weights_ = ((static_cast<double>(train_.size()) - positives) / positives.clamp_min(1.0));
    }
    class_weights_ = class_weights_.to(device);
  }
  if (options_.freeze_encoder) {
    for (auto& [name, t] : encoder_.named_parameters()) t.set_requires_grad(false);
    cache_features();
  }
}

void ClassifierTask::cache_features() {
  encoder_.set_training(false);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> cls, pooled, mean;
  for (size_t begin = 0; begin < train_.size(); begin += static_cast<size_t>(options_.eval_batch_size)) {
    std::vector<int64_t> rows;
    for (size_t i = begin; i < std::min(train_.size(), begin + static_cast<size_t>(options_.eval_batch_size)); ++i)
      rows.push_back(static_cast<int64_t>(i));
    EncoderOutput out = encode(train_.texts, rows, false);
    cls.push_back(out.cls);
    if (out.pooled.defined()) pooled.push_back(out.pooled);
    mean.push_back(out.mean_pooled());
  }
  cached_.cls = torch::cat(cls);
  if (pooled.size() == cls.size()) cached_.pooled = torch::cat(pooled);
  // One-token "sequences" whose mean is the mean-pooled vector (see Pipeline::forward_all).
  cached_.last_hidden_state = torch::cat(mean).unsqueeze(1);
  cached_.attention_mask = torch::ones({cached_.cls.size(0), 1}, torch::TensorOptions().dtype(torch::kLong).device(cached_.cls.device()));
}

EncoderOutput ClassifierTask::encode(const std::vector<std::string>& texts,
                                     const std::vector<int64_t>& rows, bool cached_train) {
  if (cached_train) {
    auto index = torch::tensor(rows, torch::kLong).to(cached_.cls.device());
    EncoderOutput out;
    out.cls = cached_.cls.index_select(0, index);
    if (cached_.pooled.defined()) out.pooled = cached_.pooled.index_select(0, index);
    out.last_hidden_state = cached_.last_hidden_state.index_select(0, index);
    out.attention_mask = cached_.attention_mask.index_select(0, index);
    return out;
  }
  TokenBatch batch = encoder_.tokenize(pick(texts, rows)).to(device_of(encoder_, head_));
  return encoder_.forward(batch);
}

torch::Tensor ClassifierTask::targets(const LabelledTexts& data, const std::vector<int64_t>& rows) const {
  const auto device = device_of(encoder_, head_);
  if (head_.task() == TaskType::single_label) {
    std::vector<int64_t> ids;
    for (int64_t r : rows) ids.push_back(data.labels[static_cast<size_t>(r)]);
    return torch::tensor(ids, torch::kLong).to(device);
  }
  std::vector<float> flat;
  for (int64_t r : rows) {
    const auto& row = data.multi_hot[static_cast<size_t>(r)];
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return torch::tensor(flat).view({static_cast<int64_t>(rows.size()), -1}).to(device);
}

int64_t ClassifierTask::num_examples() const { return static_cast<int64_t>(train_.size()); }

int64_t ClassifierTask::example_length(int64_t index) const { return lengths_[static_cast<size_t>(index)]; }

torch::Tensor ClassifierTask::loss(const std::vector<int64_t>& batch) {
  EncoderOutput encoded = encode(train_.texts, batch, options_.freeze_encoder);
  torch::Tensor logits = head_.forward(encoded);
  return head_.loss(logits, targets(train_, batch), class_weights_);
}

std::map<std::string, double> ClassifierTask::evaluate() {
  if (validation_.size() == 0) throw InputError("no validation texts to evaluate the classifier on");
  std::vector<torch::Tensor> all_logits;
  for (size_t begin = 0; begin < validation_.size(); begin += static_cast<size_t>(options_.eval_batch_size)) {
    std::vector<int64_t> rows;
    for (size_t i = begin; i < std::min(validation_.size(), begin + static_cast<size_t>(options_.eval_batch_size)); ++i)
      rows.push_back(static_cast<int64_t>(i));
    all_logits.push_back(head_.forward(encode(validation_.texts, rows, false)));
  }
  torch::Tensor logits = torch::cat(all_logits);
  std::vector<int64_t> rows(validation_.size());
  std::iota(rows.begin(), rows.end(), 0);
  torch::Tensor target = targets(validation_, rows);
  const double loss = head_.loss(logits, target).item<double>();
  if (head_.task() == TaskType::multi_label) {
    auto predicted = (logits > 0).to(torch::kFloat);
    const double tp = (predicted * target).sum().item<double>();
    const double fp = (predicted * (1 - target)).sum().item<double>();
    const double fn = ((1 - predicted) * target).sum().item<double>();
    auto per_label_tp = (predicted * target).sum(0);
    auto per_label = 2 * per_label_tp / (2 * per_label_tp + (predicted * (1 - target)).sum(0) +
                                         ((1 - predicted) * target).sum(0)).clamp_min(1e-12);
    const double exact = (predicted == target).all(1).to(torch::kDouble).mean().item<double>();
    return {{"loss", loss}, {"micro_f1", 2 * tp / std::max(2 * tp + fp + fn, 1e-12)},
            {"macro_f1", per_label.mean().item<double>()}, {"accuracy", exact}};
  }
  auto predicted_tensor = logits.argmax(1).cpu();
  std::vector<int64_t> predicted(predicted_tensor.data_ptr<int64_t>(),
                                 predicted_tensor.data_ptr<int64_t>() + predicted_tensor.numel());
  int64_t correct = 0;
  for (size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == validation_.labels[i];
  return {{"loss", loss},
          {"accuracy", static_cast<double>(correct) / static_cast<double>(predicted.size())},
          {"macro_f1", macro_f1(validation_.labels, predicted, head_.num_labels())}};
}

NamedParameters ClassifierTask::named_parameters() {
  NamedParameters out;
  if (!options_.freeze_encoder)
    for (auto& [name, t] : encoder_.named_parameters()) out.emplace_back("encoder." + name, t);
  for (auto& [name, t] : head_.named_parameters()) out.emplace_back("head." + name, t);
  return out;
}

void ClassifierTask::set_training(bool training) {
  encoder_.set_training(training && !options_.freeze_encoder);
  head_.set_training(training);
}

}  // namespace rubrika
