// Mixed precision: autocast scopes, fp16 loss scaling, and the trainer's mixed_precision
// option on the CPU (bf16 runs there; fp16 must be refused with a clear message).
#include <rubrika/error.hpp>
#include <rubrika/mixed_precision.hpp>
#include <rubrika/train/trainer.hpp>

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

// A linearly separable 2-class problem; records the dtype its forward pass produced.
class LinearTask : public TrainingTask {
 public:
  LinearTask() {
    torch::manual_seed(5);
    x_ = torch::randn({64, 8});
    y_ = (x_.select(1, 0) + x_.select(1, 1) > 0).to(torch::kLong);
    model_ = torch::nn::Linear(8, 2);
  }
  int64_t num_examples() const override { return 64; }
  int64_t example_length(int64_t) const override { return 1; }
  torch::Tensor loss(const std::vector<int64_t>& batch) override {
    ++loss_calls;
    auto index = torch::tensor(batch, torch::kLong);
    torch::Tensor logits = model_->forward(x_.index_select(0, index));
    forward_dtype = logits.scalar_type();
    return torch::nn::functional::cross_entropy(logits, y_.index_select(0, index));
  }
  std::map<std::string, double> evaluate() override {
    auto correct = model_->forward(x_).argmax(1) == y_;
    const double accuracy = correct.to(torch::kDouble).mean().item<double>();
    return {{"accuracy", accuracy}, {"macro_f1", accuracy}};
  }
  NamedParameters named_parameters() override {
    NamedParameters out;
    for (const auto& item : model_->named_parameters())
      out.emplace_back("head." + item.key(), item.value());
    return out;
  }
  void set_training(bool training) override { model_->train(training); }

  torch::nn::Linear model_{nullptr};
  at::ScalarType forward_dtype = at::kFloat;
  int loss_calls = 0;

 private:
  torch::Tensor x_, y_;
};

fs::path fresh_dir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("rubrika_amp_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TrainerOptions options_with(Precision precision) {
  TrainerOptions o;
  o.epochs = 4;
  o.batch_size = 8;
  o.learning_rate = 0.1;
  o.mixed_precision = precision;
  return o;
}

TEST(MixedPrecision, ParsesTheRecipeNamesAndRejectsOthers) {
  EXPECT_EQ(parse_precision("no"), Precision::fp32);
  EXPECT_EQ(parse_precision("bf16"), Precision::bf16);
  EXPECT_EQ(parse_precision("fp16"), Precision::fp16);
  try {
    parse_precision("fp8", "[train] mixed_precision");
    FAIL() << "fp8 accepted";
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "[train] mixed_precision");
    EXPECT_NE(e.problem().find("fp8"), std::string::npos);
  }
}

TEST(MixedPrecision, Fp16OnTheCpuIsARecipeErrorNamingTheKey) {
  try {
    check_precision_supported(Precision::fp16, torch::Device("cpu"), "[train] mixed_precision");
    FAIL() << "fp16 accepted on the CPU";
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "[train] mixed_precision");
    EXPECT_NE(e.problem().find("CUDA"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("bf16"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_precision_supported(Precision::bf16, torch::Device("cpu"), "x"));
}

TEST(MixedPrecision, AutocastScopeRunsMatmulsInBf16AndRestoresTheState) {
  auto a = torch::randn({4, 4});
  ASSERT_FALSE(at::autocast::is_cpu_enabled());
  {
    AutocastScope outer(torch::Device("cpu"), Precision::bf16);
    EXPECT_TRUE(at::autocast::is_cpu_enabled());
    EXPECT_EQ(torch::mm(a, a).scalar_type(), at::kBFloat16);
    { AutocastScope inner(torch::Device("cpu"), Precision::fp32); }  // fp32 scope: no change
    EXPECT_EQ(torch::mm(a, a).scalar_type(), at::kBFloat16);
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_EQ(torch::mm(a, a).scalar_type(), at::kFloat);
}

TEST(LossScaler, ScalesTheLossAndUnscalesTheGradients) {
  LossScaler scaler(true, /*init_scale=*/1024.0);
  auto w = torch::ones({3}, torch::requires_grad());
  scaler.scale((w * torch::tensor({1.0f, 2.0f, 3.0f})).sum()).backward();
  EXPECT_TRUE(torch::allclose(w.grad(), torch::tensor({1024.0f, 2048.0f, 3072.0f})));
  EXPECT_TRUE(scaler.unscale({w}));
  EXPECT_TRUE(torch::allclose(w.grad(), torch::tensor({1.0f, 2.0f, 3.0f})));
}

TEST(LossScaler, AnOverflowSkipsTheStepAndHalvesTheScale) {
  LossScaler scaler(true, 1024.0);
  auto finite = torch::ones({2}, torch::requires_grad());
  auto overflowed = torch::ones({2}, torch::requires_grad());
  finite.mutable_grad() = torch::ones({2});
  overflowed.mutable_grad() = torch::tensor({1.0f, std::numeric_limits<float>::infinity()});
  EXPECT_FALSE(scaler.unscale({finite, overflowed}));
  scaler.update(false);
  EXPECT_EQ(scaler.scale(), 512.0);
  overflowed.mutable_grad() = torch::tensor({std::nanf(""), 1.0f});
  EXPECT_FALSE(scaler.unscale({overflowed}));
}

TEST(LossScaler, GrowsAfterTheIntervalOfCleanStepsAndResetsOnOverflow) {
  LossScaler scaler(true, 8.0, 2.0, 0.5, /*growth_interval=*/3);
  scaler.update(true);
  scaler.update(true);
  EXPECT_EQ(scaler.scale(), 8.0);
  scaler.update(true);
  EXPECT_EQ(scaler.scale(), 16.0);
  scaler.update(true);
  scaler.update(false);  // the tracker starts again after an overflow
  scaler.update(true);
  scaler.update(true);
  EXPECT_EQ(scaler.scale(), 8.0);
  EXPECT_EQ(scaler.growth_tracker(), 2);
  scaler.restore(4096.0, 1);
  EXPECT_EQ(scaler.scale(), 4096.0);
  EXPECT_EQ(scaler.growth_tracker(), 1);
}

TEST(LossScaler, ADisabledScalerLeavesLossAndGradientsAlone) {
  LossScaler scaler(false);
  EXPECT_EQ(scaler.scale(), 1.0);
  auto w = torch::ones({2}, torch::requires_grad());
  scaler.scale(w.sum() * 3).backward();
  EXPECT_TRUE(scaler.unscale({w}));
  EXPECT_TRUE(torch::allclose(w.grad(), torch::full({2}, 3.0f)));
  scaler.update(false);
  EXPECT_EQ(scaler.scale(), 1.0);
}

TEST(TrainerMixedPrecision, Bf16OnTheCpuRunsTheForwardInBf16AndStillLearns) {
  LinearTask task;
  auto dir = fresh_dir("bf16");
  auto result = Trainer(options_with(Precision::bf16), dir, "test", 3).train(task, false);
  fs::remove_all(dir);
  EXPECT_EQ(task.forward_dtype, at::kBFloat16);
  EXPECT_GT(result.best_evaluation.at("accuracy"), 0.9);
  EXPECT_EQ(task.model_->weight.scalar_type(), at::kFloat);  // master weights stay fp32
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
}

TEST(TrainerMixedPrecision, WithoutMixedPrecisionTheForwardStaysFp32) {
  LinearTask task;
  auto dir = fresh_dir("fp32");
  Trainer(options_with(Precision::fp32), dir, "test", 3).train(task, false);
  fs::remove_all(dir);
  EXPECT_EQ(task.forward_dtype, at::kFloat);
}

TEST(TrainerMixedPrecision, Fp16OnTheCpuFailsBeforeTheFirstStep) {
  LinearTask task;
  auto dir = fresh_dir("fp16");
  TrainerOptions o = options_with(Precision::fp16);
  o.section = "reranker_train.train";
  try {
    Trainer(o, dir, "test", 3).train(task, false);
    FAIL() << "fp16 training started on the CPU";
  } catch (const RecipeError& e) {
    EXPECT_EQ(e.where(), "[reranker_train.train] mixed_precision");
  }
  fs::remove_all(dir);
  EXPECT_EQ(task.loss_calls, 0);
}

TEST(TrainerOptionsMixedPrecision, ReadFromTheRecipeAndWrittenOnlyWhenOn) {
  toml::table table{{"mixed_precision", "bf16"}};
  TrainerOptions o = TrainerOptions::from_toml(table);
  EXPECT_EQ(o.mixed_precision, Precision::bf16);
  EXPECT_EQ(o.to_toml()["mixed_precision"].value_or(std::string{}), "bf16");
  EXPECT_FALSE(TrainerOptions{}.to_toml().contains("mixed_precision"));
  toml::table bad{{"mixed_precision", "int8"}};
  EXPECT_THROW(TrainerOptions::from_toml(bad), RecipeError);
}

}  // namespace
}  // namespace rubrika
