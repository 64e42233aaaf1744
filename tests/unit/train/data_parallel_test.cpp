// Data-parallel training over libtorch's c10d/Gloo on loopback, two workers as two threads
// of this test (each with its own process group, as two processes would have): W workers of
// batch B take the same steps as one worker of batch W*B; a checkpoint remembers its world
// size; a worker that never answers fails the other within the timeout, naming its rank;
// torchrun's environment variables are read or refused by name.
#include "test_process.hpp"

#include <rubrika/error.hpp>
#include <rubrika/train/communicator.hpp>
#include <rubrika/train/trainer.hpp>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

// Linear regression of a fixed random target: no dropout, so the workers' arithmetic is
// the only difference between the runs.
class RegressionTask : public TrainingTask {
 public:
  explicit RegressionTask(int64_t examples) : examples_(examples) {
    // The workers are threads sharing libtorch's generator: one at a time seeds and draws.
    static std::mutex drawing;
    std::lock_guard<std::mutex> lock(drawing);
    torch::manual_seed(7);
    x_ = torch::randn({examples, 6});
    y_ = x_.matmul(torch::randn({6, 2})) + 0.1 * torch::randn({examples, 2});
    model_ = torch::nn::Linear(6, 2);
  }
  int64_t num_examples() const override { return examples_; }
  int64_t example_length(int64_t i) const override { return 1 + (i * 5) % 9; }
  torch::Tensor loss(const std::vector<int64_t>& batch) override {
    const auto index = torch::tensor(batch, torch::kLong);
    return torch::mse_loss(model_->forward(x_.index_select(0, index)), y_.index_select(0, index));
  }
  std::map<std::string, double> evaluate() override {
    return {{"loss", torch::mse_loss(model_->forward(x_), y_).item<double>()}};
  }
  NamedParameters named_parameters() override {
    NamedParameters out;
    for (const auto& item : model_->named_parameters())
      out.emplace_back("head." + item.key(), item.value());
    return out;
  }
  void set_training(bool training) override { model_->train(training); }

  torch::Tensor flat_weights() {
    std::vector<torch::Tensor> parts;
    for (auto& [name, t] : named_parameters()) parts.push_back(t.detach().reshape({-1}).clone());
    return torch::cat(parts);
  }

 private:
  int64_t examples_;
  torch::Tensor x_, y_;
  torch::nn::Linear model_{nullptr};
};

TrainerOptions options_with_batch(int64_t batch) {
  TrainerOptions o;
  o.epochs = 3;
  o.batch_size = batch;
  o.learning_rate = 0.05;
  o.warmup_ratio = 0.0;
  o.metric = TrainingMetric::loss;
  o.greater_is_better = false;
  o.log_every_steps = 1;
  return o;
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 ("rubrika_data_parallel_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

WorldPlacement placement(int rank, int world, int port) {
  WorldPlacement p;
  p.rank = p.local_rank = rank;
  p.world_size = p.local_world_size = world;
  p.master_port = port;
  return p;
}

std::vector<double> logged_losses(const fs::path& dir) {
  std::vector<double> out;
  std::ifstream in(dir / "train_log.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto entry = nlohmann::json::parse(line);
    if (entry.contains("loss")) out.push_back(entry["loss"].get<double>());
  }
  return out;
}

struct Curve {
  std::vector<torch::Tensor> weights;  // after each optimiser step
  TrainingResult result;
};

Curve train_alone(int64_t examples, int64_t batch, const fs::path& dir) {
  RegressionTask task(examples);
  Trainer trainer(options_with_batch(batch), dir, "alone", 11);
  Curve curve;
  trainer.on_step([&](int64_t) { curve.weights.push_back(task.flat_weights()); });
  curve.result = trainer.train(task, false);
  return curve;
}

// Rank 0's curve of `world` workers of `batch` each, all training in `dir`.
Curve train_together(int64_t examples, int64_t batch, int world, const fs::path& dir,
                     bool resume = false) {
  const int port = testing::free_loopback_port();
  std::vector<Curve> curves(static_cast<size_t>(world));
  std::vector<std::string> errors(static_cast<size_t>(world));
  std::vector<std::thread> workers;
  for (int rank = 0; rank < world; ++rank)
    workers.emplace_back([&, rank] {
      try {
        auto communicator = connect_gloo(placement(rank, world, port), std::chrono::seconds(30));
        RegressionTask task(examples);
        Trainer trainer(options_with_batch(batch), dir, "worker" + std::to_string(rank), 11);
        trainer.distribute(communicator.get());
        Curve& curve = curves[static_cast<size_t>(rank)];
        trainer.on_step([&](int64_t) { curve.weights.push_back(task.flat_weights()); });
        curve.result = trainer.train(task, resume);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(rank)] = e.what();
      }
    });
  for (auto& worker : workers) worker.join();
  for (int rank = 0; rank < world; ++rank)
    EXPECT_EQ(errors[static_cast<size_t>(rank)], "") << "rank " << rank;
  for (int rank = 1; rank < world; ++rank) {
    const auto& mine = curves[static_cast<size_t>(rank)].weights;
    EXPECT_EQ(mine.size(), curves[0].weights.size());
    for (size_t s = 0; s < std::min(mine.size(), curves[0].weights.size()); ++s)
      EXPECT_TRUE(torch::equal(mine[s], curves[0].weights[s])) << "rank " << rank << " step " << s;
  }
  return curves[0];
}

// The tolerance the closing note states: float32 sums in another order.
constexpr double kTolerance = 1e-5;

void expect_same_curve(const Curve& alone, const Curve& together) {
  ASSERT_EQ(alone.weights.size(), together.weights.size());
  ASSERT_FALSE(alone.weights.empty());
  double largest = 0;
  for (size_t s = 0; s < alone.weights.size(); ++s) {
    const double difference = (alone.weights[s] - together.weights[s]).abs().max().item<double>();
    EXPECT_LT(difference, kTolerance) << "step " << s + 1;
    largest = std::max(largest, difference);
  }
  std::cout << "largest weight difference over " << alone.weights.size() << " steps: " << largest
            << "\n";
  EXPECT_EQ(alone.result.steps, together.result.steps);
  EXPECT_EQ(alone.result.best_step, together.result.best_step);
  EXPECT_NEAR(alone.result.best_metric, together.result.best_metric, kTolerance);
}

TEST(DataParallel, TwoWorkersOfBatchBFollowOneWorkerOfBatch2B) {
  const fs::path one = fresh_dir("one"), two = fresh_dir("two");
  const Curve alone = train_alone(64, 8, one);
  const Curve together = train_together(64, 4, 2, two);
  expect_same_curve(alone, together);
  const auto losses_alone = logged_losses(one), losses_together = logged_losses(two);
  ASSERT_EQ(losses_alone.size(), losses_together.size());
  for (size_t i = 0; i < losses_alone.size(); ++i)
    EXPECT_NEAR(losses_alone[i], losses_together[i], kTolerance) << "log line " << i;
  fs::remove_all(one);
  fs::remove_all(two);
}

// 61 examples in batches of 8: the last batch of each epoch has 5, shared 3 + 2; the
// weighting keeps its gradient the batch's mean.
TEST(DataParallel, UnevenSharesOfAShortLastBatchStillGiveTheBatchMeanGradient) {
  const fs::path one = fresh_dir("uneven_one"), two = fresh_dir("uneven_two");
  expect_same_curve(train_alone(61, 8, one), train_together(61, 4, 2, two));
  fs::remove_all(one);
  fs::remove_all(two);
}

TEST(DataParallel, ResumingWithAnotherNumberOfWorkersIsRefusedNamingBoth) {
  const fs::path dir = fresh_dir("resume");
  train_together(64, 4, 2, dir);
  RegressionTask task(64);
  Trainer alone(options_with_batch(8), dir, "alone", 11);
  try {
    alone.train(task, true);
    FAIL() << "a checkpoint of 2 workers was resumed by 1";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("written by 2 worker(s) and this run has 1"), std::string::npos)
        << message;
    EXPECT_NE(message.find("same number of workers"), std::string::npos) << message;
  }
  fs::remove_all(dir);
}

// Workers that do not share a run folder read different checkpoints: the one that disagrees
// with rank 0 stops, naming both steps.
TEST(DataParallel, WorkersResumingAtDifferentStepsAreRefused) {
  const fs::path shared = fresh_dir("position_a"), other = fresh_dir("position_b");
  train_together(64, 4, 2, shared);  // leaves a checkpoint of 2 workers in `shared` only
  const int port = testing::free_loopback_port();
  std::string errors[2];
  std::vector<std::thread> workers;
  for (int rank = 0; rank < 2; ++rank)
    workers.emplace_back([&, rank] {
      try {
        auto communicator = connect_gloo(placement(rank, 2, port), std::chrono::seconds(3));
        RegressionTask task(64);
        Trainer trainer(options_with_batch(4), rank == 0 ? shared : other, "worker", 11);
        trainer.distribute(communicator.get());
        trainer.train(task, true);
      } catch (const std::exception& e) {
        errors[rank] = e.what();
      }
    });
  for (auto& worker : workers) worker.join();
  EXPECT_NE(errors[1].find("this worker resumes at step 0 and rank 0 at step"), std::string::npos)
      << errors[1];
  EXPECT_NE(errors[1].find("shared file system"), std::string::npos) << errors[1];
  EXPECT_NE(errors[0].find("failed"), std::string::npos)
      << "rank 0 waits no longer than the timeout";
  fs::remove_all(shared);
  fs::remove_all(other);
}

TEST(DataParallel, AWorkerThatNeverAnswersFailsTheOtherWithinTheTimeoutNamingItsRank) {
  const int port = testing::free_loopback_port();
  std::string error;
  std::unique_ptr<Communicator> silent;
  std::thread joiner(
      [&] { silent = connect_gloo(placement(1, 2, port), std::chrono::milliseconds(1500)); });
  const auto started = std::chrono::steady_clock::now();
  try {
    auto communicator = connect_gloo(placement(0, 2, port), std::chrono::milliseconds(1500));
    joiner.join();
    communicator->barrier();  // rank 1 joined the group but never calls the barrier
  } catch (const Error& e) {
    error = e.what();
  }
  if (joiner.joinable()) joiner.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_NE(error.find("worker rank 0 of 2"), std::string::npos) << error;
  EXPECT_NE(error.find("failed"), std::string::npos) << error;
  EXPECT_LT(seconds, 15.0);
  std::cout << "after " << seconds << " s: " << error << "\n";
}

// Sets the variables for one test and restores the environment after it.
class TorchrunEnvironment : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name :
         {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"})
      ::unsetenv(name);
  }
  static std::string error_of_environment() {
    try {
      WorldPlacement::from_environment();
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(TorchrunEnvironment, NoVariablesIsOneProcess) {
  TearDown();
  const WorldPlacement p = WorldPlacement::from_environment();
  EXPECT_FALSE(p.distributed());
  EXPECT_EQ(p.rank, 0);
}

TEST_F(TorchrunEnvironment, ReadsWhatTorchrunSets) {
  ::setenv("RANK", "3", 1);
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("LOCAL_RANK", "1", 1);
  ::setenv("LOCAL_WORLD_SIZE", "2", 1);
  ::setenv("MASTER_ADDR", "10.0.0.5", 1);
  ::setenv("MASTER_PORT", "29501", 1);
  const WorldPlacement p = WorldPlacement::from_environment();
  EXPECT_TRUE(p.distributed());
  EXPECT_EQ(p.rank, 3);
  EXPECT_EQ(p.world_size, 4);
  EXPECT_EQ(p.local_rank, 1);
  EXPECT_EQ(p.local_world_size, 2);
  EXPECT_EQ(p.master_addr, "10.0.0.5");
  EXPECT_EQ(p.master_port, 29501);
}

TEST_F(TorchrunEnvironment, MissingOrMalformedVariablesAreNamed) {
  ::setenv("WORLD_SIZE", "2", 1);
  ::setenv("MASTER_PORT", "29501", 1);
  EXPECT_NE(error_of_environment().find("environment RANK"), std::string::npos);
  ::setenv("RANK", "2", 1);
  EXPECT_NE(error_of_environment().find("rank 2 is outside a world of 2"), std::string::npos);
  ::setenv("RANK", "one", 1);
  EXPECT_NE(error_of_environment().find("'one' is not a whole number"), std::string::npos);
  ::setenv("RANK", "1", 1);
  ::setenv("MASTER_PORT", "70000", 1);
  EXPECT_NE(error_of_environment().find("environment MASTER_PORT"), std::string::npos);
}

}  // namespace
}  // namespace rubrika
