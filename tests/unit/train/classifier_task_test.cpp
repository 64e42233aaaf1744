// ClassifierTask with a frozen encoder: the features are computed once, and only the
// vector the head reads is cached (all three when the head does not say which). And with
// [long_text] windows: the head reads every window, the windows' logits are pooled per
// text, with the encoder trained or frozen.
#include <rubrika/train/classifier_task.hpp>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <optional>
#include <sstream>

namespace rubrika {
namespace {

// Text "<i>" → cls = i, pooled = 100 + i, mean of its two token vectors = 200 + i (every
// one of the 4 components). Counts forward() calls.
class CountingEncoder : public Encoder {
 public:
  TokenBatch tokenize(const std::vector<std::string>& texts,
                      const std::vector<std::string>*) const override {
    std::vector<int64_t> ids;
    for (const auto& t : texts) ids.push_back(std::stoll(t));
    const auto n = static_cast<int64_t>(texts.size());
    at::Tensor column = torch::tensor(ids, torch::kLong).unsqueeze(1);  // [n, 1]
    return {column.repeat({1, 2}), torch::ones({n, 2}, torch::kLong),
            torch::zeros({n, 2}, torch::kLong)};
  }
  EncoderOutput forward(const TokenBatch& batch, bool) override {
    ++forwards;
    at::Tensor id = batch.input_ids.select(1, 0).to(torch::kFloat).unsqueeze(1);  // [n, 1]
    EncoderOutput out;
    out.cls = id.repeat({1, 4});  // [n, 4]
    out.pooled = out.cls + 100;
    // Two tokens, 190 + i and 210 + i: their mean is 200 + i.
    out.last_hidden_state = torch::stack({out.cls + 190, out.cls + 210}, 1);  // [n, 2, 4]
    out.attention_mask = batch.attention_mask;
    return out;
  }
  int64_t hidden_size() const override { return 4; }
  int64_t max_length() const override { return 2; }
  void save(const std::filesystem::path&) const override {}
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}

  int forwards = 0;
};

// A linear head over the chosen vector that remembers what it was given.
class RecordingHead : public Head {
 public:
  explicit RecordingHead(std::optional<FeatureSource> source) : source_(source), linear_(4, 2) {}
  torch::Tensor forward(const EncoderOutput& encoded) override {
    last = encoded;
    return linear_->forward(select_features(encoded, source_.value_or(FeatureSource::cls)));
  }
  std::optional<FeatureSource> feature_source() const override { return source_; }
  TaskType task() const override { return TaskType::single_label; }
  int64_t num_labels() const override { return 2; }
  void save(const std::filesystem::path&) const override {}
  NamedParameters named_parameters() override {
    return {{"w", linear_->weight}, {"b", linear_->bias}};
  }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}

  EncoderOutput last;

 private:
  std::optional<FeatureSource> source_;
  torch::nn::Linear linear_;
};

LabelledTexts texts(int n) {
  LabelledTexts out;
  for (int i = 0; i < n; ++i) {
    out.texts.push_back(std::to_string(i));
    out.labels.push_back(i % 2);
  }
  return out;
}

ClassifierTaskOptions frozen() {
  ClassifierTaskOptions o;
  o.freeze_encoder = true;
  o.eval_batch_size = 4;
  return o;
}

TEST(ClassifierTaskCache, EncodesTheTrainingTextsOnceInBatches) {
  CountingEncoder encoder;
  RecordingHead head(FeatureSource::mean);
  ClassifierTask task(encoder, head, texts(10), texts(4), frozen());
  EXPECT_EQ(encoder.forwards, 3);        // 10 texts in batches of 4
  EXPECT_EQ(task.example_length(9), 2);  // token counts come from the same tokenisation
  task.loss({0, 5, 9});
  task.loss({1, 2});
  EXPECT_EQ(encoder.forwards, 3);  // training batches read the cache
}

TEST(ClassifierTaskCache, KeepsOnlyTheVectorTheHeadReads) {
  for (FeatureSource source : {FeatureSource::cls, FeatureSource::pooled, FeatureSource::mean}) {
    CountingEncoder encoder;
    RecordingHead head(source);
    ClassifierTask task(encoder, head, texts(10), texts(4), frozen());
    task.loss({7, 3});
    EXPECT_EQ(head.last.cls.defined(), source == FeatureSource::cls) << to_string(source);
    EXPECT_EQ(head.last.pooled.defined(), source == FeatureSource::pooled) << to_string(source);
    EXPECT_EQ(head.last.last_hidden_state.defined(), source == FeatureSource::mean)
        << to_string(source);
    const double offset = source == FeatureSource::cls      ? 0
                          : source == FeatureSource::pooled ? 100
                                                            : 200;
    at::Tensor features = select_features(head.last, source);  // [2, 4]
    ASSERT_EQ(features.sizes(), (at::IntArrayRef{2, 4}));
    EXPECT_FLOAT_EQ(features[0][0].item<float>(), offset + 7);
    EXPECT_FLOAT_EQ(features[1][3].item<float>(), offset + 3);
  }
}

TEST(ClassifierTaskCache, AHeadThatDoesNotSayGetsAllThreeVectors) {
  CountingEncoder encoder;
  RecordingHead head(std::nullopt);
  ClassifierTask task(encoder, head, texts(6), texts(2), frozen());
  task.loss({4});
  EXPECT_FLOAT_EQ(head.last.cls[0][0].item<float>(), 4);
  EXPECT_FLOAT_EQ(head.last.pooled[0][0].item<float>(), 104);
  EXPECT_FLOAT_EQ(head.last.mean_pooled()[0][0].item<float>(), 204);
}

TEST(ClassifierTaskCache, FullFineTuningRunsTheEncoderOnEveryBatch) {
  CountingEncoder encoder;
  RecordingHead head(FeatureSource::cls);
  ClassifierTaskOptions o;
  o.freeze_encoder = false;
  ClassifierTask task(encoder, head, texts(6), texts(2), o);
  EXPECT_EQ(encoder.forwards, 0);
  EXPECT_EQ(task.example_length(5), 2);
  task.loss({1, 2});
  EXPECT_EQ(encoder.forwards, 1);
  EXPECT_TRUE(head.last.pooled.defined());  // straight from the encoder: every vector
}

// Text "3 5 8 ..." → those token ids. A trainable embedding; every vector of a row is the
// mean of its tokens' embeddings. tokenize() cuts at kLength tokens; tokenize_windows()
// gives windows of kLength tokens sharing `stride`.
class WindowEncoder : public Encoder {
 public:
  static constexpr int64_t kLength = 4;
  static constexpr int64_t kVocab = 12;

  WindowEncoder() : embedding_(torch::randn({kVocab, 4}).requires_grad_(true)) {}

  TokenBatch tokenize(const std::vector<std::string>& texts,
                      const std::vector<std::string>*) const override {
    std::vector<std::vector<int64_t>> rows;
    for (const auto& t : texts) {
      std::vector<int64_t> ids = parse(t);
      ids.resize(std::min<size_t>(ids.size(), kLength));
      rows.push_back(ids);
    }
    return pack(rows);
  }
  WindowedBatch tokenize_windows(const std::vector<std::string>& texts,
                                 int64_t stride) const override {
    ++windowed_calls;
    std::vector<std::vector<int64_t>> rows;
    std::vector<int64_t> text_of_row;
    for (size_t i = 0; i < texts.size(); ++i) {
      const std::vector<int64_t> ids = parse(texts[i]);
      for (size_t start = 0;; start += static_cast<size_t>(kLength - stride)) {
        const size_t end = std::min(ids.size(), start + kLength);
        rows.emplace_back(ids.begin() + static_cast<long>(start),
                          ids.begin() + static_cast<long>(end));
        text_of_row.push_back(static_cast<int64_t>(i));
        if (end >= ids.size()) break;
      }
    }
    return {pack(rows), torch::tensor(text_of_row, torch::kLong),
            static_cast<int64_t>(texts.size())};
  }
  EncoderOutput forward(const TokenBatch& batch, bool) override {
    ++forwards;
    EncoderOutput out;
    out.last_hidden_state = embedding_.index_select(0, batch.input_ids.flatten())
                                .view({batch.size(), batch.seq_len(), 4});  // [n, seq, 4]
    out.attention_mask = batch.attention_mask;
    out.cls = out.mean_pooled();
    out.pooled = torch::tanh(out.cls);
    return out;
  }
  int64_t hidden_size() const override { return 4; }
  int64_t max_length() const override { return kLength; }
  void save(const std::filesystem::path&) const override {}
  NamedParameters named_parameters() override { return {{"embedding", embedding_}}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}

  int forwards = 0;
  mutable int windowed_calls = 0;

 private:
  static std::vector<int64_t> parse(const std::string& text) {
    std::istringstream in(text);
    std::vector<int64_t> ids;
    for (int64_t id; in >> id;) ids.push_back(id);
    return ids;
  }
  static TokenBatch pack(const std::vector<std::vector<int64_t>>& rows) {
    const auto n = static_cast<int64_t>(rows.size());
    TokenBatch batch{torch::zeros({n, kLength}, torch::kLong),
                     torch::zeros({n, kLength}, torch::kLong),
                     torch::zeros({n, kLength}, torch::kLong)};
    for (int64_t i = 0; i < n; ++i)
      for (size_t j = 0; j < rows[static_cast<size_t>(i)].size(); ++j) {
        batch.input_ids[i][static_cast<int64_t>(j)] = rows[static_cast<size_t>(i)][j];
        batch.attention_mask[i][static_cast<int64_t>(j)] = 1;
      }
    return batch;
  }

  torch::Tensor embedding_;
};

// Text i: 6, 9 or 12 tokens (2, 3 or 4 windows of 4 sharing 1), its label i % 2 told only by
// its last token (10 or 11), which tokenize() cuts off.
LabelledTexts long_texts(int n) {
  LabelledTexts out;
  for (int i = 0; i < n; ++i) {
    const int length = 6 + (i % 3) * 3;
    std::string text;
    for (int j = 0; j < length - 1; ++j) text += std::to_string((i * 7 + j) % 8 + 2) + " ";
    out.texts.push_back(text + std::to_string(10 + i % 2));
    out.labels.push_back(i % 2);
  }
  return out;
}

ClassifierTaskOptions windows(bool freeze_encoder, WindowPool pool = WindowPool::max) {
  ClassifierTaskOptions o;
  o.freeze_encoder = freeze_encoder;
  o.eval_batch_size = 4;
  o.long_text.mode = LongTextMode::windows;
  o.long_text.stride = 1;
  o.long_text.pool = pool;
  return o;
}

// Full-batch Adam steps; the loss of each.
std::vector<double> train(ClassifierTask& task, int steps) {
  std::vector<torch::Tensor> params;
  for (auto& [name, t] : task.named_parameters()) params.push_back(t);
  torch::optim::Adam optimiser(params, torch::optim::AdamOptions(0.05));
  std::vector<int64_t> all(static_cast<size_t>(task.num_examples()));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  task.set_training(true);
  std::vector<double> losses;
  for (int step = 0; step < steps; ++step) {
    optimiser.zero_grad();
    torch::Tensor loss = task.loss(all);
    loss.backward();
    optimiser.step();
    losses.push_back(loss.item<double>());
  }
  task.set_training(false);
  return losses;
}

TEST(ClassifierTaskWindows, LengthsCountEveryWindowsRealTokens) {
  torch::manual_seed(0);
  WindowEncoder encoder;
  RecordingHead head(FeatureSource::cls);
  ClassifierTask task(encoder, head, long_texts(6), long_texts(3), windows(false));
  // 6 tokens → windows of 4 + 3; 9 → 4 + 4 + 3; 12 → 4 + 4 + 4 + 3.
  EXPECT_EQ(task.example_length(0), 7);
  EXPECT_EQ(task.example_length(1), 11);
  EXPECT_EQ(task.example_length(2), 15);
  EXPECT_GT(encoder.windowed_calls, 0);
}

TEST(ClassifierTaskWindows, TheHeadReadsEveryWindowAndTheLossIsPerText) {
  torch::manual_seed(0);
  WindowEncoder encoder;
  RecordingHead head(FeatureSource::cls);
  ClassifierTask task(encoder, head, long_texts(6), long_texts(3), windows(false));
  const torch::Tensor loss = task.loss({0, 2});
  EXPECT_EQ(head.last.cls.size(0), 2 + 4);  // text 0's windows and text 2's
  EXPECT_EQ(loss.dim(), 0);
  EXPECT_TRUE(std::isfinite(loss.item<double>()));
}

TEST(ClassifierTaskWindows, TrainsTheEncoderAndTheHead) {
  for (WindowPool pool : {WindowPool::max, WindowPool::mean}) {
    torch::manual_seed(0);
    WindowEncoder encoder;
    RecordingHead head(FeatureSource::cls);
    ClassifierTask task(encoder, head, long_texts(12), long_texts(6), windows(false, pool));
    const torch::Tensor before = encoder.named_parameters()[0].second.clone();
    const std::vector<double> losses = train(task, 30);
    for (double loss : losses) ASSERT_TRUE(std::isfinite(loss));
    EXPECT_LT(losses.back(), 0.5 * losses.front()) << enum_name(kWindowPoolNames, pool);
    EXPECT_FALSE(at::equal(before, encoder.named_parameters()[0].second));  // encoder trained
    const auto metrics = task.evaluate();
    for (const char* key : {"loss", "accuracy", "macro_f1"}) {
      ASSERT_EQ(metrics.count(key), 1u) << key;
      EXPECT_TRUE(std::isfinite(metrics.at(key))) << key;
    }
    // The validation texts are training texts: pooled per text, they are all learnt.
    EXPECT_DOUBLE_EQ(metrics.at("accuracy"), 1.0) << enum_name(kWindowPoolNames, pool);
  }
}

TEST(ClassifierTaskWindows, AFrozenEncoderCachesWindowsAndTrainsTheHead) {
  torch::manual_seed(0);
  WindowEncoder encoder;
  RecordingHead head(FeatureSource::mean);
  ClassifierTask task(encoder, head, long_texts(12), long_texts(6), windows(true));
  EXPECT_EQ(encoder.forwards, 3);  // 12 texts in batches of 4, every window of each
  EXPECT_EQ(task.example_length(2), 15);
  const torch::Tensor embedding = encoder.named_parameters()[0].second.clone();
  const std::vector<double> losses = train(task, 30);
  EXPECT_EQ(encoder.forwards, 3);  // training read the cache
  for (double loss : losses) ASSERT_TRUE(std::isfinite(loss));
  EXPECT_LT(losses.back(), losses.front());
  EXPECT_TRUE(at::equal(embedding, encoder.named_parameters()[0].second));
  const auto metrics = task.evaluate();
  EXPECT_TRUE(std::isfinite(metrics.at("loss")));
  EXPECT_EQ(metrics.count("macro_f1"), 1u);
}

TEST(ClassifierTaskWindows, TheCacheGivesTheLossTheEncoderWouldGive) {
  for (FeatureSource source : {FeatureSource::cls, FeatureSource::pooled, FeatureSource::mean}) {
    torch::manual_seed(0);
    WindowEncoder encoder;
    RecordingHead head(source);
    // Texts 1, 3 and 4 have 3, 2 and 3 windows; the cache must pick each text's own rows.
    const std::vector<int64_t> batch{4, 1, 3};
    ClassifierTask live(encoder, head, long_texts(6), long_texts(3), windows(false));
    const double expected = live.loss(batch).item<double>();
    ClassifierTask cached(encoder, head, long_texts(6), long_texts(3), windows(true));
    EXPECT_NEAR(cached.loss(batch).item<double>(), expected, 1e-5) << to_string(source);
    EXPECT_EQ(select_features(head.last, source).size(0), 3 + 2 + 3) << to_string(source);
  }
}

}  // namespace
}  // namespace rubrika
