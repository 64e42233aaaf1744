// RerankerTask: trains a cross-encoder on (text, label text) pairs with the same Trainer
// as the classifier.
//
// Each group is one text with its true label and its mined negatives. Pointwise: every
// (text, label) pair is an example with target 1 or 0 (binary cross-entropy). Listwise:
// every group is an example whose scores [1 + k] go through a softmax with the positive
// first (softmax cross-entropy); groups are cut to the smallest negative count so a batch
// is one [groups, 1 + k] tensor.
#pragma once

#include <rubrika/enum_names.hpp>
#include <rubrika/reranker.hpp>
#include <rubrika/train/training_task.hpp>

#include <string>
#include <vector>

namespace rubrika {

struct RerankGroup {
  std::string text;                    // normalised text
  std::string positive;                // the true label's text
  std::vector<std::string> negatives;  // wrong labels' texts, hardest first
};

// Pointwise: binary cross-entropy per pair; listwise: softmax cross-entropy per group.
enum class RerankerLoss { pointwise, listwise };
inline constexpr EnumName<RerankerLoss> kRerankerLossNames[] = {
    {"pointwise", RerankerLoss::pointwise}, {"listwise", RerankerLoss::listwise}};

struct RerankerTaskOptions {
  RerankerLoss loss = RerankerLoss::listwise;  // pointwise | listwise
  double pos_weight = 1.0;                     // pointwise: weight of positive pairs
  int64_t eval_batch_size = 64;                // pairs per forward pass in evaluate()
};

class RerankerTask : public TrainingTask {
 public:
  RerankerTask(Reranker& reranker, std::vector<RerankGroup> train,
               std::vector<RerankGroup> validation, RerankerTaskOptions options);

  int64_t num_examples() const override;
  int64_t example_length(int64_t index) const override;
  torch::Tensor loss(const std::vector<int64_t>& batch) override;
  // pair_accuracy, pair_f1 (score > 0 means "matches"), mrr (rank of the positive within
  // its group), loss.
  std::map<std::string, double> evaluate() override;
  NamedParameters named_parameters() override { return reranker_.named_parameters(); }
  void set_training(bool training) override { reranker_.set_training(training); }

  int64_t negatives_per_group() const { return negatives_; }

 private:
  struct Pair {
    int64_t group;
    int64_t label;  // -1 = positive, else index into the group's negatives
  };
  const std::string& label_text(const RerankGroup& g, int64_t label) const;
  torch::Tensor score(const std::vector<RerankGroup>& groups, const std::vector<Pair>& pairs);

  Reranker& reranker_;
  std::vector<RerankGroup> train_, validation_;
  RerankerTaskOptions options_;
  int64_t negatives_ = 0;
  std::vector<Pair> pairs_;  // pointwise examples
};

}  // namespace rubrika
