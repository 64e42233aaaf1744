// ClassifierTask with a frozen encoder: the features are computed once, and only the
// vector the head reads is cached (all three when the head does not say which).
#include <rubrika/train/classifier_task.hpp>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <optional>

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

}  // namespace
}  // namespace rubrika
