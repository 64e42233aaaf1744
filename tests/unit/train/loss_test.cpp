// The classifier's training loss ([train] loss, label_smoothing, focal_gamma, class_weights)
// and how the [train] table is read.
#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/train/classifier_task.hpp>
#include <rubrika/train/loss.hpp>
#include <rubrika/train/trainer_options.hpp>

#include "recipe_testing.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace rubrika {
namespace {

toml::table parse(const std::string& text) { return test::parse_recipe_table(text); }

using test::recipe_error;

LossOptions read_loss(const std::string& text) {
  auto table = parse(text);
  OptionsReader in(table, "train", false);
  LossOptions o = LossOptions::read(in);
  in.finish();
  return o;
}

const torch::Tensor kLogits = torch::tensor({2.0f, 0.5f, -1.0f, 0.1f, 0.2f, 3.0f}).view({2, 3});
const torch::Tensor kTargets = torch::tensor({0, 2}, torch::kLong);

double value(const torch::Tensor& t) { return t.item<double>(); }

TEST(Loss, DefaultIsPlainCrossEntropy) {
  const LossOptions o = read_loss("");
  EXPECT_EQ(o.kind, LossKind::cross_entropy);
  EXPECT_EQ(o.label_smoothing, 0.0);
  const auto expected = torch::nn::functional::cross_entropy(kLogits, kTargets);
  EXPECT_NEAR(value(classification_loss(kLogits, kTargets, TaskType::single_label, o)),
              value(expected), 1e-6);
}

TEST(Loss, LabelSmoothingMixesInTheUniformTarget) {
  const LossOptions o = read_loss("label_smoothing = 0.1\n");
  // (1 - eps) * CE + eps * mean over classes of -log p, averaged over the batch.
  const auto log_p = torch::log_softmax(kLogits, 1);
  const double ce = value(torch::nn::functional::cross_entropy(kLogits, kTargets));
  const double uniform = value(-log_p.mean(1).mean());
  EXPECT_NEAR(value(classification_loss(kLogits, kTargets, TaskType::single_label, o)),
              0.9 * ce + 0.1 * uniform, 1e-6);
}

TEST(Loss, FocalWithGammaZeroIsCrossEntropyAndGammaDownWeightsEasyExamples) {
  LossOptions focal = read_loss("loss = \"focal\"\nfocal_gamma = 0.0\n");
  EXPECT_EQ(focal.kind, LossKind::focal);
  const double ce = value(torch::nn::functional::cross_entropy(kLogits, kTargets));
  EXPECT_NEAR(value(classification_loss(kLogits, kTargets, TaskType::single_label, focal)), ce,
              1e-6);
  focal.focal_gamma = 2.0;
  // One example by hand: -(1 - p)^2 log p for the true class.
  const auto p = torch::softmax(kLogits, 1);
  const double p0 = p[0][0].item<double>(), p1 = p[1][2].item<double>();
  const double expected =
      (-(std::pow(1 - p0, 2) * std::log(p0)) - std::pow(1 - p1, 2) * std::log(p1)) / 2;
  const double got = value(classification_loss(kLogits, kTargets, TaskType::single_label, focal));
  EXPECT_NEAR(got, expected, 1e-6);
  EXPECT_LT(got, ce);
}

TEST(Loss, ClassWeightsAreAWeightedMeanAsInTorch) {
  LossOptions o = read_loss("class_weights = \"balanced\"\nloss = \"focal\"\nfocal_gamma = 0\n");
  EXPECT_EQ(o.class_weights, ClassWeighting::balanced);
  const auto weights = torch::tensor({1.0f, 2.0f, 3.0f});
  auto ce = torch::nn::functional::CrossEntropyFuncOptions().weight(weights);
  const double expected = value(torch::nn::functional::cross_entropy(kLogits, kTargets, ce));
  EXPECT_NEAR(value(classification_loss(kLogits, kTargets, TaskType::single_label, o, weights)),
              expected, 1e-6);
}

TEST(Loss, MultiLabelFocalAndSmoothingReduceToBinaryCrossEntropy) {
  const auto targets = torch::tensor({1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f}).view({2, 3});
  const double bce =
      value(torch::nn::functional::binary_cross_entropy_with_logits(kLogits, targets));
  const LossOptions focal0 = read_loss("loss = \"focal\"\nfocal_gamma = 0\n");
  EXPECT_NEAR(value(classification_loss(kLogits, targets, TaskType::multi_label, focal0)), bce,
              1e-6);
  const LossOptions smooth = read_loss("label_smoothing = 0.2\n");
  const double smoothed =
      value(torch::nn::functional::binary_cross_entropy_with_logits(kLogits, targets * 0.8 + 0.1));
  EXPECT_NEAR(value(classification_loss(kLogits, targets, TaskType::multi_label, smooth)), smoothed,
              1e-6);
  const LossOptions focal2 = read_loss("loss = \"focal\"\n");
  EXPECT_LT(value(classification_loss(kLogits, targets, TaskType::multi_label, focal2)), bce);
}

TEST(Loss, FocalGammaWithoutTheFocalLossIsAnErrorAtItsPosition) {
  auto e = recipe_error([] { read_loss("loss = \"ce\"\nfocal_gamma = 2.0\n"); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:2:15");
  EXPECT_NE(std::string(e.what()).find("focal_gamma"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("loss = \"focal\""), std::string::npos) << e.what();
  auto unset = recipe_error([] { read_loss("focal_gamma = 1.0\n"); });  // default loss is ce
  EXPECT_EQ(unset.where(), "/recipes/r.toml:1:15");
}

TEST(Loss, BadValuesAreErrors) {
  auto kind = recipe_error([] { read_loss("loss = \"hinge\"\n"); });
  EXPECT_NE(std::string(kind.what()).find("focal"), std::string::npos) << kind.what();
  auto smoothing = recipe_error([] { read_loss("label_smoothing = 1.5\n"); });
  EXPECT_EQ(smoothing.where(), "/recipes/r.toml:1:19");
}

TEST(TrainTable, ClassifierReadsLossKeysAndTheRerankerRejectsThem) {
  auto table = parse(
      "epochs = 2\nloss = \"focal\"\nfocal_gamma = 1.5\nlabel_smoothing = 0.05\n"
      "freeze_encoder = true\n");
  const ClassifierTraining training = ClassifierTraining::from_toml(table);
  EXPECT_EQ(training.trainer.epochs, 2);
  EXPECT_TRUE(training.task.freeze_encoder);
  EXPECT_EQ(training.task.loss.kind, LossKind::focal);
  EXPECT_DOUBLE_EQ(training.task.loss.focal_gamma, 1.5);
  EXPECT_DOUBLE_EQ(training.task.loss.label_smoothing, 0.05);
  // [reranker_train.train] is the trainer's keys only: a classifier key is not ignored.
  auto e = recipe_error([] {
    TrainerOptions::from_toml(parse("epochs = 1\nlabel_smoothing = 0.1\n"), "reranker_train.train");
  });
  EXPECT_EQ(e.where(), "/recipes/r.toml:2:1");
  EXPECT_NE(std::string(e.what()).find("label_smoothing"), std::string::npos) << e.what();
}

TEST(TrainTable, UnknownKeyIsAnError) {
  auto e = recipe_error([] { ClassifierTraining::from_toml(parse("epochz = 3\n")); });
  EXPECT_EQ(e.where(), "/recipes/r.toml:1:1");
}

}  // namespace
}  // namespace rubrika
