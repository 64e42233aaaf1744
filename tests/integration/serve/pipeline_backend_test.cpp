// The real Pipeline behind the server, with an encoder and a normaliser that count their
// calls: a served text is normalised and tokenised exactly once, and the prepared texts,
// stacked into one batch, give what the encoder's own batching gives.
#include <rubrika/serve/pipeline_backend.hpp>
#include <rubrika/serve/service.hpp>

#include <rubrika/error.hpp>
#include <rubrika/registry.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <sstream>

namespace rubrika::serve {
namespace {

using nlohmann::json;

struct Calls {
  std::atomic<int64_t> normalized{0};
  std::atomic<int64_t> tokenized{0};  // texts given to tokenize()
};

// One token per word (id 2 + bytes % 7) between two specials (id 1); padding id 0.
// cls = [real tokens, sum of ids] / 10, computed under the mask.
class CountingEncoder : public Encoder {
 public:
  explicit CountingEncoder(Calls& calls) : calls_(calls) {}

  TokenBatch tokenize(const std::vector<std::string>& texts,
                      const std::vector<std::string>* pairs = nullptr) const override {
    if (pairs != nullptr) throw InputError("no pairs", "test encoder");
    calls_.tokenized += static_cast<int64_t>(texts.size());
    std::vector<std::vector<int64_t>> rows;
    size_t longest = 0;
    for (const auto& text : texts) {
      std::vector<int64_t> row = {1};
      std::istringstream in(text);
      std::string word;
      while (in >> word) row.push_back(2 + static_cast<int64_t>(word.size() % 7));
      row.push_back(1);
      longest = std::max(longest, row.size());
      rows.push_back(std::move(row));
    }
    const auto n = static_cast<int64_t>(rows.size()), seq = static_cast<int64_t>(longest);
    TokenBatch batch{at::zeros({n, seq}, at::kLong), at::zeros({n, seq}, at::kLong),
                     at::zeros({n, seq}, at::kLong)};
    for (int64_t i = 0; i < n; ++i)
      for (size_t j = 0; j < rows[static_cast<size_t>(i)].size(); ++j) {
        batch.input_ids[i][static_cast<int64_t>(j)] = rows[static_cast<size_t>(i)][j];
        batch.attention_mask[i][static_cast<int64_t>(j)] = 1;
      }
    return batch;
  }

  EncoderOutput forward(const TokenBatch& batch, bool = false) override {
    const at::Tensor mask = batch.attention_mask.to(at::kFloat);  // [batch, seq]
    const at::Tensor ids = batch.input_ids.to(at::kFloat);        // [batch, seq]
    EncoderOutput out;
    out.cls = at::stack({mask.sum(1), (ids * mask).sum(1)}, 1) / 10.0;  // [batch, 2]
    out.last_hidden_state = out.cls.unsqueeze(1);                       // [batch, 1, 2]
    out.attention_mask = at::ones({batch.size(), 1}, at::kLong);        // [batch, 1]
    return out;
  }

  int64_t hidden_size() const override { return 2; }
  int64_t max_length() const override { return 512; }
  void save(const std::filesystem::path&) const override {
    throw Error("the test encoder cannot be saved");
  }
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}

 private:
  Calls& calls_;
};

// logits = cls × W, W [2, 3] fixed.
class FixedHead : public Head {
 public:
  torch::Tensor forward(const EncoderOutput& encoded) override {
    const at::Tensor w = at::tensor({1.0f, 0.0f, -1.0f, 0.1f, 0.5f, 0.2f}).view({2, 3});
    return encoded.cls.matmul(w);  // [batch, 3]
  }
  TaskType task() const override { return TaskType::single_label; }
  int64_t num_labels() const override { return 3; }
  void save(const std::filesystem::path&) const override {
    throw Error("the test head cannot be saved");
  }
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}
};

std::unique_ptr<Pipeline> make_pipeline(Calls& calls) {
  auto pipeline = std::make_unique<Pipeline>(
      [&calls](std::string_view text) {
        ++calls.normalized;
        return std::string(text);
      },
      LabelSet({"Авто", "Недвижимость", "Работа"}), std::make_unique<CountingEncoder>(calls),
      std::make_unique<FixedHead>());
  DecisionOptions decision;
  decision.tau_other = 0.0;  // never "Other": the labels show the model's choice
  pipeline->set_decision(decision);
  return pipeline;
}

const std::vector<std::string> kTexts = {"Продам гараж", "Сдаю комнату у самого метро", "Ищу",
                                         "Продам детский велосипед почти новый"};

TEST(PipelineBackend, AServedTextIsNormalisedAndTokenisedExactlyOnce) {
  Calls calls;
  PipelineBackend backend(make_pipeline(calls));
  ServeOptions options;
  options.max_wait_ms = 0;
  Service service(backend, options);
  HttpResponse response = service.handle(
      {"POST", "/v1/classify", json{{"texts", kTexts}, {"return_timings", true}}.dump(), {}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(calls.normalized.load(), 4);
  EXPECT_EQ(calls.tokenized.load(), 4);
  const json results = json::parse(response.body)["results"];
  ASSERT_EQ(results.size(), 4u);
  for (const auto& result : results)
    for (const char* stage : {"queue", "normalize", "tokenize", "forward"})
      EXPECT_TRUE(result["timings_ms"].contains(stage)) << stage << ": " << result.dump();
  // Labels as UTF-8 bytes, not \u escapes.
  EXPECT_EQ(response.body.find("\\u"), std::string::npos) << response.body;
}

TEST(PipelineBackend, StackedPreparedTextsGiveWhatTheEncodersOwnBatchingGives) {
  Calls calls;
  auto pipeline = make_pipeline(calls);
  const std::vector<PreparedText> prepared = pipeline->prepare(kTexts);
  ASSERT_EQ(prepared.size(), kTexts.size());
  EXPECT_EQ(prepared[0].token_count, 4);  // 2 words + 2 specials
  EXPECT_EQ(prepared[2].token_count, 3);
  EXPECT_EQ(prepared[0].tokens.size(), 1);
  PredictOptions options;
  options.top_k = 3;
  const std::vector<Prediction> predictions = pipeline->predict(prepared, options);
  const at::Tensor expected = pipeline->forward(kTexts).probabilities.to(at::kDouble);
  ASSERT_EQ(predictions.size(), kTexts.size());
  for (size_t i = 0; i < kTexts.size(); ++i) {
    for (const auto& item : predictions[i].top_k) {
      const int64_t id = pipeline->labels().id(item.label);
      EXPECT_NEAR(item.p, expected[static_cast<int64_t>(i)][id].item<double>(), 1e-6) << i;
    }
    // Alone, a text gets the same answer as in a batch padded to a longer one.
    const Prediction alone = pipeline->predict({prepared[i]}, options)[0];
    EXPECT_EQ(alone.label, predictions[i].label);
    EXPECT_NEAR(alone.confidence, predictions[i].confidence, 1e-6);
  }
  // The one-step predict (the CLI's) is prepare + predict.
  const std::vector<Prediction> one_step = pipeline->predict(kTexts, options);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    EXPECT_EQ(one_step[i].label, predictions[i].label);
    EXPECT_NEAR(one_step[i].confidence, predictions[i].confidence, 1e-9);
  }
}

TEST(PipelineBackend, APreparedTextWithoutTokensIsRefused) {
  Calls calls;
  auto pipeline = make_pipeline(calls);
  PreparedText bare;
  bare.normalized = "Продам гараж";
  try {
    pipeline->predict(std::vector<PreparedText>{bare}, PredictOptions{});
    FAIL() << "expected rubrika::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no tokens"), std::string::npos) << e.what();
  }
}

// The loader `rubrika serve` reloads with, on a folder that is not a run (no pipeline.toml):
// 422 with the ArtifactError's text and path, and the pipeline served before answers on.
TEST(PipelineBackend, ReloadingAFolderWithoutPipelineTomlIs422AndTheOldRunServesOn) {
  const std::filesystem::path not_a_run =
      std::filesystem::temp_directory_path() / ("rubrika_not_a_run_" + std::to_string(getpid()));
  std::filesystem::create_directories(not_a_run);
  Calls calls;
  PluginRegistry registry;  // never reached: the manifest is read first
  ServeOptions options;
  options.max_wait_ms = 0;
  options.admin_token = "test-admin-token-0123456789";
  Service service(std::make_shared<PipelineBackend>(make_pipeline(calls)), options,
                  pipeline_loader(registry, "cpu"));
  const HttpResponse response =
      service.handle({"POST",
                      "/admin/reload",
                      json{{"run", not_a_run.string()}}.dump(),
                      {{"Authorization", "Bearer test-admin-token-0123456789"}}});
  std::filesystem::remove_all(not_a_run);
  EXPECT_EQ(response.status, 422) << response.body;
  const std::string message = json::parse(response.body)["error"]["message"];
  EXPECT_NE(message.find("no pipeline.toml"), std::string::npos) << message;
  EXPECT_NE(message.find(not_a_run.string()), std::string::npos) << message;
  const HttpResponse classified =
      service.handle({"POST", "/v1/classify", json{{"texts", kTexts}}.dump(), {}});
  ASSERT_EQ(classified.status, 200) << classified.body;
  EXPECT_EQ(json::parse(classified.body)["results"].size(), kTexts.size());
  EXPECT_NE(service.handle({"GET", "/metrics", "", {}})
                .body.find("rubrika_reloads_total{result=\"failed\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace rubrika::serve
