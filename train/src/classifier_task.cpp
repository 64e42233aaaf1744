#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/train/classifier_task.hpp>

#include <torch/torch.h>

#include <numeric>
#include <optional>

namespace rubrika {
namespace {

torch::Device device_of(Encoder& encoder, Head& head) {
  for (const auto& [name, t] : encoder.named_parameters()) return t.device();
  for (const auto& [name, t] : head.named_parameters()) return t.device();
  return torch::kCPU;
}

std::vector<std::string> pick(const std::vector<std::string>& texts,
                              const std::vector<int64_t>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (int64_t r : rows) out.push_back(texts[static_cast<size_t>(r)]);
  return out;
}

// Macro-F1 over the classes that occur in truth or predictions (scikit-learn's default set).
double macro_f1(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted,
                int64_t classes) {
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

// Calls fn(rows) for the texts 0..count-1, `chunk` texts at a time.
template <class Fn>
void for_each_chunk(size_t count, size_t chunk, Fn&& fn) {
  for (size_t begin = 0; begin < count; begin += chunk) {
    std::vector<int64_t> rows;
    for (size_t i = begin; i < std::min(count, begin + chunk); ++i)
      rows.push_back(static_cast<int64_t>(i));
    fn(rows);
  }
}

// [classes] weights inversely proportional to each class's (or label's) frequency.
torch::Tensor balanced_class_weights(const Head& head, const LabelledTexts& train) {
  const int64_t classes = head.num_labels();
  if (head.task() == TaskType::single_label) {
    auto counts =
        torch::bincount(torch::tensor(train.labels, torch::kLong), {}, classes).to(torch::kDouble);
    return (static_cast<double>(train.size()) / (classes * counts.clamp_min(1.0)))
        .to(torch::kFloat);
  }
  std::vector<float> flat;
  for (const auto& row : train.multi_hot) flat.insert(flat.end(), row.begin(), row.end());
  auto positives = torch::tensor(flat).view({-1, classes}).sum(0);
  return (static_cast<double>(train.size()) - positives) / positives.clamp_min(1.0);
}

// Copies one batch's vectors [batch, hidden] into rows begin.. of `all` [total, hidden],
// allocated on first use: concatenating the batches would hold every vector twice at peak.
void fill_rows(torch::Tensor& all, const torch::Tensor& part, int64_t begin, int64_t total) {
  if (!all.defined()) all = torch::empty({total, part.size(1)}, part.options());
  all.narrow(0, begin, part.size(0)).copy_(part);
}

}  // namespace

ClassifierTaskOptions ClassifierTaskOptions::read(OptionsReader& in) {
  ClassifierTaskOptions o;
  o.freeze_encoder = in.get_bool("freeze_encoder", o.freeze_encoder);
  o.loss = LossOptions::read(in);
  return o;
}

void ClassifierTaskOptions::write(toml::table& out) const {
  out.insert_or_assign("freeze_encoder", freeze_encoder);
  loss.write(out);
}

ClassifierTraining ClassifierTraining::from_toml(const toml::table& table) {
  OptionsReader in(table, "train", false);
  ClassifierTraining out{TrainerOptions::read(in, "train"), ClassifierTaskOptions::read(in)};
  in.finish();
  return out;
}

ClassifierTask::ClassifierTask(Encoder& encoder, Head& head, LabelledTexts train,
                               LabelledTexts validation, ClassifierTaskOptions options)
    : encoder_(encoder),
      head_(head),
      train_(std::move(train)),
      validation_(std::move(validation)),
      options_(std::move(options)) {
  if (train_.size() == 0) throw InputError("no training texts for the classifier");
  if (options_.loss.class_weights == ClassWeighting::balanced)
    class_weights_ = balanced_class_weights(head_, train_).to(device_of(encoder_, head_));
  if (options_.freeze_encoder) {
    for (auto& [name, t] : encoder_.named_parameters()) t.set_requires_grad(false);
    cache_features();  // records the token counts too
  } else {
    record_lengths();
  }
}

WindowedBatch ClassifierTask::tokenize(const std::vector<std::string>& texts) const {
  if (options_.long_text.windows())
    return encoder_.tokenize_windows(texts, options_.long_text.stride);
  WindowedBatch out;
  out.tokens = encoder_.tokenize(texts);
  out.texts = static_cast<int64_t>(texts.size());
  out.text_of_row = torch::arange(out.texts, torch::kLong);
  return out;
}

void ClassifierTask::record_lengths() {
  for_each_chunk(train_.size(), 256, [&](const std::vector<int64_t>& rows) {
    append_lengths(tokenize(pick(train_.texts, rows)));
  });
}

void ClassifierTask::append_lengths(const WindowedBatch& batch) {
  const at::Tensor text_of_row = batch.text_of_row.to(torch::kCPU, torch::kLong);  // [rows]
  const at::Tensor per_row =
      batch.tokens.attention_mask.sum(1).to(torch::kCPU, torch::kLong);  // [rows]
  const at::Tensor per_text = torch::zeros({batch.texts}, torch::kLong)
                                  .index_add_(0, text_of_row, per_row)
                                  .contiguous();  // [texts]
  lengths_.insert(lengths_.end(), per_text.data_ptr<int64_t>(),
                  per_text.data_ptr<int64_t>() + per_text.numel());
  if (!options_.long_text.windows()) return;
  if (row_begin_.empty()) row_begin_.push_back(0);
  const at::Tensor rows = torch::bincount(text_of_row, {}, batch.texts).contiguous();  // [texts]
  for (int64_t i = 0; i < batch.texts; ++i)
    row_begin_.push_back(row_begin_.back() + rows.data_ptr<int64_t>()[i]);
}

// Only the vector the head reads is kept: for the tfidf encoder a [texts, 50000] float
// matrix per vector, so caching cls, pooled and mean together costs gigabytes.
// With windows, the cache holds a row per window.
void ClassifierTask::cache_features() {
  encoder_.set_training(false);
  torch::NoGradGuard no_grad;
  const bool windows = options_.long_text.windows();
  // How many windows there are is known only once every text is tokenised; a first pass
  // counts them, so the cache is allocated once at its size (concatenating the batches would
  // hold it twice at peak). Tokenising costs little next to the encoder.
  if (windows) record_lengths();
  const int64_t total = windows ? row_begin_.back() : static_cast<int64_t>(train_.size());
  const std::optional<FeatureSource> only = head_.feature_source();
  const auto wanted = [&](FeatureSource source) { return !only || *only == source; };
  torch::Tensor cls, pooled, mean;
  bool pooled_everywhere = true;  // an encoder without a pooler gives no pooled vector
  const auto batch_size = static_cast<size_t>(options_.eval_batch_size);
  for_each_chunk(train_.size(), batch_size, [&](const std::vector<int64_t>& rows) {
    const WindowedBatch batch = tokenize(pick(train_.texts, rows));
    if (!windows) append_lengths(batch);  // one tokenisation, not two
    EncoderOutput out = encoder_.forward(batch.tokens.to(device_of(encoder_, head_)));
    const int64_t at = windows ? row_begin_[static_cast<size_t>(rows.front())] : rows.front();
    if (wanted(FeatureSource::cls)) fill_rows(cls, out.cls, at, total);
    if (wanted(FeatureSource::pooled) && out.pooled.defined())
      fill_rows(pooled, out.pooled, at, total);
    pooled_everywhere = pooled_everywhere && out.pooled.defined();
    if (wanted(FeatureSource::mean)) fill_rows(mean, out.mean_pooled(), at, total);
  });
  cached_.cls = cls;
  if (pooled_everywhere) cached_.pooled = pooled;
  if (mean.defined()) {
    // One-token "sequences" whose mean is the mean-pooled vector (see Pipeline::forward_all).
    cached_.last_hidden_state = mean.unsqueeze(1);
    cached_.attention_mask =
        torch::ones({total, 1}, torch::TensorOptions().dtype(torch::kLong).device(mean.device()));
  }
}

EncoderOutput ClassifierTask::encode_cached(const std::vector<int64_t>& rows,
                                            torch::Tensor& text_of_row) const {
  std::vector<int64_t> cache_rows = rows;
  if (options_.long_text.windows()) {
    cache_rows.clear();
    std::vector<int64_t> owner;  // the position in `rows` of each cache row's text
    for (size_t k = 0; k < rows.size(); ++k) {
      const auto text = static_cast<size_t>(rows[k]);
      for (int64_t r = row_begin_[text]; r < row_begin_[text + 1]; ++r) {
        cache_rows.push_back(r);
        owner.push_back(static_cast<int64_t>(k));
      }
    }
    text_of_row = torch::tensor(owner, torch::kLong);
  }
  const auto index = torch::tensor(cache_rows, torch::kLong);
  // Vectors that were not cached (the head does not read them) stay undefined.
  const auto take = [&](const torch::Tensor& t) {
    return t.defined() ? t.index_select(0, index.to(t.device())) : torch::Tensor();
  };
  EncoderOutput out;
  out.cls = take(cached_.cls);
  out.pooled = take(cached_.pooled);
  out.last_hidden_state = take(cached_.last_hidden_state);
  out.attention_mask = take(cached_.attention_mask);
  return out;
}

torch::Tensor ClassifierTask::logits(const std::vector<std::string>& texts,
                                     const std::vector<int64_t>& rows, bool cached_train) {
  torch::Tensor text_of_row;  // [rows the head reads]: which of `rows` each belongs to
  EncoderOutput encoded;
  if (cached_train) {
    encoded = encode_cached(rows, text_of_row);
  } else {
    const WindowedBatch batch = tokenize(pick(texts, rows));
    text_of_row = batch.text_of_row;
    encoded = encoder_.forward(batch.tokens.to(device_of(encoder_, head_)));
  }
  torch::Tensor per_row = head_.forward(encoded);  // [texts or windows, labels]
  if (!options_.long_text.windows()) return per_row;
  return pool_windows(per_row, text_of_row, static_cast<int64_t>(rows.size()),
                      options_.long_text.pool);  // [texts, labels]
}

torch::Tensor ClassifierTask::targets(const LabelledTexts& data,
                                      const std::vector<int64_t>& rows) const {
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

int64_t ClassifierTask::example_length(int64_t index) const {
  return lengths_[static_cast<size_t>(index)];
}

torch::Tensor ClassifierTask::loss(const std::vector<int64_t>& batch) {
  return classification_loss(logits(train_.texts, batch, options_.freeze_encoder),
                             targets(train_, batch), head_.task(), options_.loss, class_weights_);
}

std::map<std::string, double> ClassifierTask::evaluate() {
  if (validation_.size() == 0)
    throw InputError("no validation texts to evaluate the classifier on");
  std::vector<torch::Tensor> all_logits;
  for_each_chunk(validation_.size(), static_cast<size_t>(options_.eval_batch_size),
                 [&](const std::vector<int64_t>& rows) {
                   all_logits.push_back(this->logits(validation_.texts, rows, false));
                 });
  torch::Tensor logits = torch::cat(all_logits);
  std::vector<int64_t> rows(validation_.size());
  std::iota(rows.begin(), rows.end(), 0);
  torch::Tensor target = targets(validation_, rows);
  // Validation loss: the training loss (same kind and smoothing) without class weights.
  const double loss =
      classification_loss(logits, target, head_.task(), options_.loss).item<double>();
  if (head_.task() == TaskType::multi_label) {
    auto predicted = (logits > 0).to(torch::kFloat);
    const double tp = (predicted * target).sum().item<double>();
    const double fp = (predicted * (1 - target)).sum().item<double>();
    const double fn = ((1 - predicted) * target).sum().item<double>();
    auto per_label_tp = (predicted * target).sum(0);
    auto per_label =
        2 * per_label_tp /
        (2 * per_label_tp + (predicted * (1 - target)).sum(0) + ((1 - predicted) * target).sum(0))
            .clamp_min(1e-12);
    const double exact = (predicted == target).all(1).to(torch::kDouble).mean().item<double>();
    return {{"loss", loss},
            {"micro_f1", 2 * tp / std::max(2 * tp + fp + fn, 1e-12)},
            {"macro_f1", per_label.mean().item<double>()},
            {"accuracy", exact}};
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
