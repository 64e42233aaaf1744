// Parity with Hugging Face transformers: every CLS, pooled, logits and hidden-state vector of
// reference.json, from both weight files, alone and in padded batches.
#include "bert_checkpoint.hpp"
#include "reference.hpp"

#include <rubrika/io/checkpoint.hpp>

#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <iostream>

namespace {

using rubrika::test::float_tensor;
using rubrika::test::long_tensor;
using rubrika::test::max_abs_diff;
using rubrika::test::reference;

constexpr double kTolerance = 1e-4;  // fp32; the README measures ~2e-6 between HF runs

struct Classifier {
  at::Tensor weight, bias;  // [labels, hidden], [labels]
  at::Tensor logits(const at::Tensor& pooled) const { return at::linear(pooled, weight, bias); }
};

class BertParity : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const auto dir = rubrika::test::kTinyBert;
    auto config = rubrika::bert::BertConfig::from_file(dir / "config.json");
    model_ = rubrika::bert::BertModel(config);
    const auto file = dir / GetParam();
    const auto tensors = rubrika::read_checkpoint(file);
    report_ = rubrika::bert::load_weights(model_, tensors, file.string());
    model_->eval();
    classifier_ = {tensors.at("classifier.weight"), tensors.at("classifier.bias")};
  }

  rubrika::bert::BertModelOutput run(const nlohmann::json& item, bool hidden = false) {
    c10::InferenceMode guard;
    at::Tensor ids = long_tensor(item["input_ids"]);
    if (ids.dim() == 1) ids = ids.unsqueeze(0);
    at::Tensor types = long_tensor(item["token_type_ids"]).view_as(ids);
    at::Tensor mask = long_tensor(item["attention_mask"]).view_as(ids);
    return model_->forward(ids, mask, types, hidden);
  }

  // Runs every item of a list section one at a time; returns the worst differences.
  void check_items(const char* section) {
    double worst_cls = 0, worst_pooled = 0, worst_logits = 0;
    for (const auto& item : reference()[section]) {
      auto out = run(item);
      worst_cls =
          std::max(worst_cls, max_abs_diff(out.last_hidden_state[0][0], float_tensor(item["cls"])));
      worst_pooled =
          std::max(worst_pooled, max_abs_diff(out.pooled[0], float_tensor(item["pooler"])));
      worst_logits = std::max(worst_logits, max_abs_diff(classifier_.logits(out.pooled)[0],
                                                         float_tensor(item["logits"])));
    }
    std::cout << "[parity " << GetParam() << " " << section << "] max |diff| cls " << worst_cls
              << ", pooled " << worst_pooled << ", logits " << worst_logits << "\n";
    EXPECT_LE(worst_cls, kTolerance);
    EXPECT_LE(worst_pooled, kTolerance);
    EXPECT_LE(worst_logits, kTolerance);
  }

  void check_batch(const char* section) {
    const auto& batch = reference()[section];
    auto out = run(batch);
    const at::Tensor cls = out.last_hidden_state.select(1, 0);
    const double cls_diff = max_abs_diff(cls, float_tensor(batch["cls"]));
    const double logits_diff =
        max_abs_diff(classifier_.logits(out.pooled), float_tensor(batch["logits"]));
    std::cout << "[parity " << GetParam() << " " << section << "] max |diff| cls " << cls_diff
              << ", logits " << logits_diff << "\n";
    EXPECT_LE(cls_diff, kTolerance);
    EXPECT_LE(logits_diff, kTolerance);
  }

  rubrika::bert::BertModel model_{nullptr};
  rubrika::bert::LoadReport report_;
  Classifier classifier_;
};

TEST_P(BertParity, LoadsTheSequenceClassifierCheckpoint) {
  EXPECT_EQ(report_.prefix, "bert.");
  EXPECT_TRUE(report_.has_classifier);
  EXPECT_TRUE(report_.unused.empty());
  EXPECT_FALSE(report_.pooler_missing);
}

TEST_P(BertParity, SingleTextsMatchHuggingFace) { check_items("single"); }
TEST_P(BertParity, PairsMatchHuggingFace) { check_items("pairs"); }
TEST_P(BertParity, PaddedSingleBatchMatchesHuggingFace) { check_batch("batched_single"); }
TEST_P(BertParity, PaddedPairBatchMatchesHuggingFace) { check_batch("batched_pairs"); }

TEST_P(BertParity, AllHiddenStatesOfTheFirstTextMatch) {
  const auto& item = reference()["single"][0];
  auto out = run(item, /*hidden=*/true);
  ASSERT_EQ(out.hidden_states.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const double diff =
        max_abs_diff(out.hidden_states[i][0], float_tensor(item["hidden_states"][i]));
    EXPECT_LE(diff, kTolerance) << "hidden state " << i;
  }
  EXPECT_TRUE(at::equal(out.hidden_states.back(), out.last_hidden_state));
}

TEST_P(BertParity, OutputsDoNotDependOnPadding) {
  c10::InferenceMode guard;
  const auto& item = reference()["single"][1];
  at::Tensor ids = long_tensor(item["input_ids"]).unsqueeze(0);
  const int64_t n = ids.size(1), pad = 37;
  auto alone = model_->forward(ids, at::ones_like(ids), at::zeros_like(ids));
  at::Tensor padded_ids = at::cat({ids, at::zeros({1, pad}, at::kLong)}, 1);
  at::Tensor mask = at::cat({at::ones({1, n}, at::kLong), at::zeros({1, pad}, at::kLong)}, 1);
  // A second row of a different length makes the padding real batch padding.
  at::Tensor other = at::randint(1, 600, {1, n + pad}, at::kLong);
  auto padded = model_->forward(at::cat({padded_ids, other}), at::cat({mask, at::ones_like(mask)}),
                                at::zeros({2, n + pad}, at::kLong));
  EXPECT_LE(max_abs_diff(padded.last_hidden_state[0].narrow(0, 0, n), alone.last_hidden_state[0]),
            1e-5);
  EXPECT_LE(max_abs_diff(padded.pooled[0], alone.pooled[0]), 1e-5);
}

// Inference on the CPU takes its own path (fused GEMMs, attention by head over right-padded
// rows); with autograd on, the module path runs. Both must give the same numbers.
TEST_P(BertParity, InferencePathMatchesTheAutogradPath) {
  const auto& batch = reference()["batched_pairs"];
  at::Tensor ids = long_tensor(batch["input_ids"]);
  at::Tensor types = long_tensor(batch["token_type_ids"]).view_as(ids);
  at::Tensor mask = long_tensor(batch["attention_mask"]).view_as(ids);
  ASSERT_LT(mask.sum().item<int64_t>(), mask.numel()) << "the batch should hold padding";
  rubrika::bert::BertModelOutput fast;
  {
    c10::InferenceMode guard;
    fast = model_->forward(ids, mask, types, /*output_hidden_states=*/true);
  }
  auto slow = model_->forward(ids, mask, types, /*output_hidden_states=*/true);
  ASSERT_EQ(fast.hidden_states.size(), slow.hidden_states.size());
  const at::Tensor valid = mask.unsqueeze(-1).to(at::kFloat);
  for (size_t i = 0; i < fast.hidden_states.size(); ++i)
    EXPECT_LE(max_abs_diff(fast.hidden_states[i] * valid, slow.hidden_states[i].detach() * valid),
              1e-5)
        << "hidden state " << i;
  EXPECT_LE(max_abs_diff(fast.pooled, slow.pooled.detach()), 1e-5);
}

// A mask that is not ones-then-zeros (left padding here) takes the additive-mask path in
// inference too, and matches autograd's result.
TEST_P(BertParity, LeftPaddedInferenceMatchesTheAutogradPath) {
  const auto& item = reference()["single"][1];
  at::Tensor ids = long_tensor(item["input_ids"]).unsqueeze(0);
  const int64_t n = ids.size(1), pad = 5;
  ids = at::cat({at::zeros({1, pad}, at::kLong), ids}, 1);
  at::Tensor mask = at::cat({at::zeros({1, pad}, at::kLong), at::ones({1, n}, at::kLong)}, 1);
  at::Tensor types = at::zeros_like(ids);
  at::Tensor fast;
  {
    c10::InferenceMode guard;
    fast = model_->forward(ids, mask, types).last_hidden_state;
  }
  at::Tensor slow = model_->forward(ids, mask, types).last_hidden_state.detach();
  EXPECT_LE(max_abs_diff(fast.narrow(1, pad, n), slow.narrow(1, pad, n)), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(BothWeightFiles, BertParity,
                         ::testing::Values("model.safetensors", "pytorch_model.bin"),
                         [](const auto& info) {
                           return std::string(info.param) == "model.safetensors" ? "safetensors"
                                                                                 : "pytorch_bin";
                         });

}  // namespace
