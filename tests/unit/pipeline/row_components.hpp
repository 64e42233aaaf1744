// Fake pipeline components whose answers a test chooses: texts are row numbers, and the
// head's logits are a table indexed by them. Shared by the pipeline unit tests.
#pragma once

#include <rubrika/encoder.hpp>
#include <rubrika/head.hpp>
#include <rubrika/long_text.hpp>

#include <torch/torch.h>

#include <sstream>
#include <string>
#include <vector>

namespace rubrika::testing {

// A text is row numbers joined by commas ("0", "1,2"): one token per text, or under windows
// one window per number. The encoder passes the number on as its CLS vector.
class RowEncoder : public Encoder {
 public:
  TokenBatch tokenize(const std::vector<std::string>& texts,
                      const std::vector<std::string>*) const override {
    std::vector<int64_t> ids;
    for (const auto& t : texts) ids.push_back(std::stoll(t));  // the first number
    return batch_of(ids);
  }
  WindowedBatch tokenize_windows(const std::vector<std::string>& texts, int64_t) const override {
    std::vector<int64_t> ids, owners;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::istringstream parts(texts[i]);
      for (std::string part; std::getline(parts, part, ',');) {
        ids.push_back(std::stoll(part));
        owners.push_back(static_cast<int64_t>(i));
      }
    }
    return {batch_of(ids), torch::tensor(owners, torch::kLong), static_cast<int64_t>(texts.size())};
  }
  EncoderOutput forward(const TokenBatch& batch, bool) override {
    EncoderOutput out;
    out.last_hidden_state = batch.input_ids.to(torch::kFloat).unsqueeze(2);
    out.cls = out.last_hidden_state.select(1, 0);
    out.attention_mask = batch.attention_mask;
    return out;
  }
  int64_t hidden_size() const override { return 1; }
  int64_t max_length() const override { return 8; }
  void save(const std::filesystem::path&) const override {}
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}

 private:
  static TokenBatch batch_of(const std::vector<int64_t>& ids) {
    TokenBatch b;
    b.input_ids = torch::tensor(ids, torch::kLong).unsqueeze(1);
    b.attention_mask = torch::ones_like(b.input_ids);
    b.token_type_ids = torch::zeros_like(b.input_ids);
    return b;
  }
};

// Logits chosen per row, for a single-label (softmax) or multi-label (sigmoid) head.
class TableHead : public Head {
 public:
  explicit TableHead(torch::Tensor logits, TaskType task = TaskType::single_label)
      : logits_(std::move(logits)), task_(task) {}
  torch::Tensor forward(const EncoderOutput& encoded) override {
    return logits_.index_select(0, encoded.cls.squeeze(1).to(torch::kLong));
  }
  TaskType task() const override { return task_; }
  int64_t num_labels() const override { return logits_.size(1); }
  void save(const std::filesystem::path&) const override {}
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}

 private:
  torch::Tensor logits_;
  TaskType task_;
};

}  // namespace rubrika::testing
