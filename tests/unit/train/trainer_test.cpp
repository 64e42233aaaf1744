// The training loop on a small model and data made in the test: determinism, bit-exact
// resume after a crash, best-model restore, early stopping, schedule and batching rules.
#include <rubrika/error.hpp>
#include <rubrika/train/trainer.hpp>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

struct Crash : std::runtime_error {
  Crash() : std::runtime_error("simulated crash") {}
};

// Two Gaussian blobs in 8-D, an MLP with dropout (so the RNG matters), cross-entropy.
class BlobTask : public TrainingTask {
 public:
  explicit BlobTask(int64_t crash_at_call = -1) : crash_at_call_(crash_at_call) {
    torch::manual_seed(123);
    x_ = torch::randn({96, 8});
    y_ = (x_.sum(1) > 0).to(torch::kLong);
    model_ = torch::nn::Sequential(torch::nn::Linear(8, 16), torch::nn::ReLU(),
                                   torch::nn::Dropout(0.3), torch::nn::Linear(16, 2));
  }
  int64_t num_examples() const override { return 64; }
  int64_t example_length(int64_t i) const override { return 1 + i % 7; }
  torch::Tensor loss(const std::vector<int64_t>& batch) override {
    if (calls_++ == crash_at_call_) throw Crash();
    auto index = torch::tensor(batch, torch::kLong);
    return torch::nn::functional::cross_entropy(model_->forward(x_.index_select(0, index)),
                                                y_.index_select(0, index));
  }
  std::map<std::string, double> evaluate() override {
    ++evaluations_;
    auto logits = model_->forward(x_.slice(0, 64));
    double accuracy =
        (logits.argmax(1) == y_.slice(0, 64)).to(torch::kDouble).mean().item<double>();
    return {{"accuracy", accuracy}, {"macro_f1", scripted_metric(accuracy)}};
  }
  NamedParameters named_parameters() override {
    NamedParameters out;
    for (const auto& item : model_->named_parameters())
      out.emplace_back("head." + item.key(), item.value());
    return out;
  }
  void set_training(bool training) override { model_->train(training); }

  std::vector<double> metric_script;  // when set, evaluate() reports these in turn
  int evaluations_ = 0;
  torch::nn::Sequential model_{nullptr};

 private:
  double scripted_metric(double accuracy) {
    if (metric_script.empty()) return accuracy;
    return metric_script[std::min<size_t>(evaluations_ - 1, metric_script.size() - 1)];
  }
  torch::Tensor x_, y_;
  int64_t crash_at_call_;
  int64_t calls_ = 0;
};

TrainerOptions small_options() {
  TrainerOptions o;
  o.epochs = 3;
  o.batch_size = 8;
  o.learning_rate = 0.05;
  o.checkpoint_every_steps = 3;
  o.log_every_steps = 2;
  return o;
}

// Every folder a test made, removed when the test program ends.
class TempDirs : public ::testing::Environment {
 public:
  static std::vector<fs::path>& made() {
    static std::vector<fs::path> dirs;
    return dirs;
  }
  void TearDown() override {
    for (const auto& dir : made()) fs::remove_all(dir);
  }
};
const auto* const kTempDirs = ::testing::AddGlobalTestEnvironment(new TempDirs);

fs::path fresh_dir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("rubrika_trainer_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  TempDirs::made().push_back(dir);
  return dir;
}

std::vector<torch::Tensor> weights(BlobTask& task) {
  std::vector<torch::Tensor> out;
  for (auto& [name, t] : task.named_parameters()) out.push_back(t.detach().clone());
  return out;
}

void expect_identical(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
}

TEST(Trainer, LearnsAndIsDeterministic) {
  BlobTask first, second;
  auto r1 = Trainer(small_options(), fresh_dir("det1"), "test", 7).train(first, false);
  auto r2 = Trainer(small_options(), fresh_dir("det2"), "test", 7).train(second, false);
  EXPECT_EQ(r1.steps, 24);  // 3 epochs × 64/8 batches
  EXPECT_GT(r1.best_evaluation.at("accuracy"), 0.8);
  expect_identical(weights(first), weights(second));
}

TEST(Trainer, ResumeAfterCrashMidEpochIsBitExact) {
  BlobTask reference;
  auto dir_a = fresh_dir("full");
  auto full = Trainer(small_options(), dir_a, "test", 7).train(reference, false);

  auto dir_b = fresh_dir("crash");
  {
    BlobTask crashing(
        /*crash_at_call=*/13);  // step 13 of 24: mid-epoch 2, after a checkpoint at 12
    EXPECT_THROW(Trainer(small_options(), dir_b, "test", 7).train(crashing, false), Crash);
  }
  BlobTask resumed;  // a fresh process: new model, new optimiser
  auto after = Trainer(small_options(), dir_b, "test", 7).train(resumed, true);
  EXPECT_EQ(after.steps, full.steps);
  EXPECT_EQ(after.best_step, full.best_step);
  EXPECT_EQ(after.best_evaluation, full.best_evaluation);
  expect_identical(weights(reference), weights(resumed));

  // The log has each step once, as if nothing had happened.
  std::ifstream log(dir_b / "train_log.jsonl");
  std::string line;
  std::multiset<int64_t> steps;
  while (std::getline(log, line)) {
    auto json = nlohmann::json::parse(line);
    if (json.contains("loss")) steps.insert(json["step"].get<int64_t>());
  }
  for (int64_t step : steps) EXPECT_EQ(steps.count(step), 1u) << "step " << step;
}

TEST(Trainer, ResumeFromACheckpointTakenBeforeAnyEvaluation) {
  BlobTask reference;
  auto full = Trainer(small_options(), fresh_dir("early_full"), "test", 7).train(reference, false);
  auto dir = fresh_dir("early_crash");
  {
    BlobTask crashing(/*crash_at_call=*/5);  // checkpoint at step 3, no evaluation yet
    EXPECT_THROW(Trainer(small_options(), dir, "test", 7).train(crashing, false), Crash);
  }
  BlobTask resumed;
  auto after = Trainer(small_options(), dir, "test", 7).train(resumed, true);
  EXPECT_EQ(after.best_evaluation, full.best_evaluation);
  expect_identical(weights(reference), weights(resumed));
}

TEST(Trainer, GradientAccumulationCountsOptimiserSteps) {
  auto options = small_options();
  options.gradient_accumulation_steps = 3;  // 8 batches → steps of 3, 3, 2
  BlobTask task;
  auto result = Trainer(options, fresh_dir("accum"), "test", 7).train(task, false);
  EXPECT_EQ(result.steps, 9);
}

TEST(Trainer, RestoresTheBestModelNotTheLast) {
  BlobTask task;
  task.metric_script = {0.5, 0.9, 0.4};  // best after epoch 2
  auto dir = fresh_dir("best");
  auto options = small_options();
  options.checkpoint_every_steps = 0;
  auto result = Trainer(options, dir, "test", 7).train(task, false);
  EXPECT_EQ(result.best_step, 16);
  EXPECT_DOUBLE_EQ(result.best_metric, 0.9);

  // Replay the same run, stopping right after epoch 2 (early stopping on a flat metric):
  // the weights it ends with are the epoch-2 weights, which the first run must have restored.
  BlobTask two_epochs;
  two_epochs.metric_script = {0.5, 0.9, 0.9};
  options.early_stopping_patience = 1;
  auto replay_dir = fresh_dir("best_replay");
  auto replay = Trainer(options, replay_dir, "test", 7).train(two_epochs, false);
  EXPECT_EQ(replay.best_step, 16);
  expect_identical(weights(task), weights(two_epochs));
}

TEST(Trainer, EarlyStoppingAfterPatience) {
  BlobTask task;
  task.metric_script = {0.7, 0.6, 0.6};
  auto options = small_options();
  options.epochs = 10;
  options.early_stopping_patience = 2;
  auto result = Trainer(options, fresh_dir("early"), "test", 7).train(task, false);
  EXPECT_TRUE(result.stopped_early);
  EXPECT_EQ(task.evaluations_, 3);
  EXPECT_EQ(result.best_step, 8);
}

TEST(Trainer, CorruptCheckpointIsAClearError) {
  auto dir = fresh_dir("corrupt");
  fs::create_directories(dir / "checkpoints" / "last");
  std::ofstream(dir / "checkpoints" / "last" / "state.json") << "{not json";
  BlobTask task;
  EXPECT_THROW(Trainer(small_options(), dir, "test", 7).train(task, true), ArtifactError);
}

TEST(Trainer, MissingMetricIsNamed) {
  auto options = small_options();
  options.metric = TrainingMetric::loss;
  BlobTask task;
  try {
    Trainer(options, fresh_dir("metric"), "test", 7).train(task, false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no 'loss' metric"), std::string::npos);
  }
}

TEST(Schedule, WarmupThenLinearDecay) {
  EXPECT_DOUBLE_EQ(linear_schedule(0, 10, 110), 0.0);
  EXPECT_DOUBLE_EQ(linear_schedule(5, 10, 110), 0.5);
  EXPECT_DOUBLE_EQ(linear_schedule(10, 10, 110), 1.0);
  EXPECT_DOUBLE_EQ(linear_schedule(60, 10, 110), 0.5);
  EXPECT_DOUBLE_EQ(linear_schedule(110, 10, 110), 0.0);
}

TEST(Schedule, NoDecayForBiasesAndLayerNorm) {
  EXPECT_TRUE(is_no_decay_parameter("encoder.layer.0.output.dense.bias"));
  EXPECT_TRUE(is_no_decay_parameter("embeddings.LayerNorm.weight"));
  EXPECT_FALSE(is_no_decay_parameter("encoder.layer.0.output.dense.weight"));
}

TEST(EpochBatches, CoverEveryExampleOnceAndDependOnSeedAndEpoch) {
  auto a = epoch_batches(103, 10, 1, 0, nullptr);
  std::multiset<int64_t> seen;
  for (const auto& batch : a) seen.insert(batch.begin(), batch.end());
  EXPECT_EQ(seen.size(), 103u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 103u);
  EXPECT_EQ(a.size(), 11u);
  EXPECT_EQ(a, epoch_batches(103, 10, 1, 0, nullptr));
  EXPECT_NE(a, epoch_batches(103, 10, 1, 1, nullptr));
  EXPECT_NE(a, epoch_batches(103, 10, 2, 0, nullptr));
}

TEST(EpochBatches, LengthGroupingReducesPadding) {
  std::vector<int64_t> lengths;
  for (int i = 0; i < 1000; ++i) lengths.push_back((i * 7919) % 500 + 1);
  auto padding = [&](const std::vector<std::vector<int64_t>>& batches) {
    int64_t total = 0;
    for (const auto& batch : batches) {
      int64_t longest = 0;
      for (auto i : batch) longest = std::max(longest, lengths[i]);
      for (auto i : batch) total += longest - lengths[i];
    }
    return total;
  };
  auto grouped = epoch_batches(1000, 16, 3, 0, &lengths);
  auto plain = epoch_batches(1000, 16, 3, 0, nullptr);
  EXPECT_LT(padding(grouped) * 5, padding(plain));
  int64_t longest = 0;
  for (auto l : lengths) longest = std::max(longest, l);
  EXPECT_EQ(lengths[grouped[0][0]], longest);  // the longest batch goes first
}

}  // namespace
}  // namespace rubrika
