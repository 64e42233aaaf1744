// The reranker task trains a (tiny, made-up) cross-encoder with the shared Trainer, both
// pointwise and listwise, and ranks the true labels first afterwards.
#include <rubrika/error.hpp>
#include <rubrika/train/reranker_task.hpp>
#include <rubrika/train/trainer.hpp>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace rubrika {
namespace {

// score(text, label) = <E[text], F[label]>: learnable only by seeing which pairs match.
class TinyReranker : public Reranker {
 public:
  TinyReranker() {
    torch::manual_seed(5);
    texts_ = torch::nn::Embedding(64, 8);
    labels_ = torch::nn::Embedding(64, 8);
  }
  torch::Tensor score_pairs(const std::vector<std::string>& texts,
                            const std::vector<std::string>& candidates) override {
    auto t = texts_->forward(ids(texts));
    auto l = labels_->forward(ids(candidates));
    return (t * l).sum(1);
  }
  void save(const std::filesystem::path&) const override {}
  NamedParameters named_parameters() override {
    return {{"texts.weight", texts_->weight}, {"labels.weight", labels_->weight}};
  }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}

 private:
  static torch::Tensor ids(const std::vector<std::string>& words) {
    std::vector<int64_t> out;
    for (const auto& w : words)
      out.push_back(static_cast<int64_t>(std::hash<std::string>()(w) % 64));
    return torch::tensor(out, torch::kLong);
  }
  torch::nn::Embedding texts_{nullptr}, labels_{nullptr};
};

// Text "t<i>" belongs to label "L<i % 4>"; negatives are the other three labels.
std::vector<RerankGroup> groups(int from, int to) {
  std::vector<RerankGroup> out;
  for (int i = from; i < to; ++i) {
    RerankGroup g{"t" + std::to_string(i % 12), "L" + std::to_string(i % 4), {}};
    for (int j = 1; j < 4; ++j) g.negatives.push_back("L" + std::to_string((i + j) % 4));
    out.push_back(g);
  }
  return out;
}

TrainerOptions options(TrainingMetric metric) {
  TrainerOptions o;
  o.epochs = 30;
  o.batch_size = 8;
  o.learning_rate = 0.1;
  o.warmup_ratio = 0.0;
  o.weight_decay = 0.0;
  o.metric = metric;
  return o;
}

std::filesystem::path work_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("rubrika_rerank_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

class BothLosses : public ::testing::TestWithParam<RerankerLoss> {};

TEST_P(BothLosses, LearnsToRankTheTrueLabelFirst) {
  TinyReranker reranker;
  RerankerTaskOptions task_options;
  task_options.loss = GetParam();
  RerankerTask task(reranker, groups(0, 48), groups(48, 60), task_options);
  EXPECT_EQ(task.negatives_per_group(), 3);
  EXPECT_EQ(task.num_examples(), GetParam() == RerankerLoss::listwise ? 48 : 48 * 4);
  task.set_training(false);
  const double mrr_before = task.evaluate().at("mrr");
  const std::string name = enum_name(kRerankerLossNames, GetParam());
  auto result =
      Trainer(options(TrainingMetric::mrr), work_dir(name), "reranker", 3).train(task, false);
  EXPECT_GT(result.best_evaluation.at("mrr"), 0.95);
  EXPECT_GT(result.best_evaluation.at("mrr"), mrr_before);
  std::filesystem::remove_all(work_dir(name));
}

INSTANTIATE_TEST_SUITE_P(Losses, BothLosses,
                         ::testing::Values(RerankerLoss::pointwise, RerankerLoss::listwise));

TEST(RerankerTask, RejectsGroupsWithoutNegatives) {
  TinyReranker reranker;
  std::vector<RerankGroup> no_negatives = {{"t", "L0", {}}};
  EXPECT_THROW(RerankerTask(reranker, no_negatives, groups(4, 6), {}), InputError);
}

}  // namespace
}  // namespace rubrika
