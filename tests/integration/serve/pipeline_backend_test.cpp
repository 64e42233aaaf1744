// The real Pipeline behind the server, with an encoder and a normaliser that count their
// calls: a served text is normalised and tokenised exactly once, and the prepared texts,
// stacked into one batch, give what the encoder's own batching gives.
#include <rubrika/serve/pipeline_backend.hpp>
#include <rubrika/serve/service.hpp>

#include <rubrika/error.hpp>
#include <rubrika/prediction_json.hpp>
#include <rubrika/registry.hpp>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <atomic>
#include <cmath>
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

// Which texts FixedHead gives NaN logits: none, one-word texts (3 tokens), or every text.
enum class NanRows { none, one_word, all };

// logits = cls × W, W [2, 3] fixed; NaN rows as `nan_rows` says.
class FixedHead : public Head {
 public:
  explicit FixedHead(NanRows nan_rows = NanRows::none) : nan_rows_(nan_rows) {}

  torch::Tensor forward(const EncoderOutput& encoded) override {
    const at::Tensor w = at::tensor({1.0f, 0.0f, -1.0f, 0.1f, 0.5f, 0.2f}).view({2, 3});
    at::Tensor logits = encoded.cls.matmul(w);  // [batch, 3]
    if (nan_rows_ == NanRows::none) return logits;
    const at::Tensor one_word = (encoded.cls.select(1, 0) - 0.3).abs() < 1e-6;  // [batch]
    const at::Tensor rows = nan_rows_ == NanRows::all ? at::ones_like(one_word) : one_word;
    return logits.masked_fill(rows.unsqueeze(1), NAN);
  }
  TaskType task() const override { return TaskType::single_label; }
  int64_t num_labels() const override { return 3; }
  void save(const std::filesystem::path&) const override {
    throw Error("the test head cannot be saved");
  }
  NamedParameters named_parameters() override { return {}; }
  void set_training(bool) override {}
  void to(const torch::Device&) override {}

 private:
  NanRows nan_rows_;
};

std::unique_ptr<Pipeline> make_pipeline(Calls& calls, NanRows nan_rows = NanRows::none) {
  auto pipeline = std::make_unique<Pipeline>(
      [&calls](std::string_view text) {
        ++calls.normalized;
        return std::string(text);
      },
      LabelSet({"Авто", "Недвижимость", "Работа"}), std::make_unique<CountingEncoder>(calls),
      std::make_unique<FixedHead>(nan_rows));
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

// Options under which a batch runs as soon as a text is queued.
ServeOptions without_waiting() {
  ServeOptions options;
  options.max_wait_ms = 0;
  return options;
}

// A text whose logits are NaN has no answer — an error, never a label with a null
// confidence — and the other texts of the batch are answered as before.
TEST(PipelineBackend, ANonFiniteOutputIsAnErrorForThatTextNotALabel) {
  Calls calls;
  const std::vector<Prediction> clean = make_pipeline(calls)->predict(kTexts, PredictOptions{});
  const std::vector<Prediction> predictions =
      make_pipeline(calls, NanRows::one_word)->predict(kTexts, PredictOptions{});
  ASSERT_EQ(predictions.size(), kTexts.size());
  const Prediction& broken = predictions[2];  // "Ищу"
  EXPECT_NE(broken.error.find("non-finite output"), std::string::npos) << broken.error;
  EXPECT_EQ(broken.label, "");
  EXPECT_TRUE(broken.top_k.empty());
  const json line = json::parse(to_json(broken));
  EXPECT_EQ(line["error"]["code"], "model_output") << line.dump();
  EXPECT_FALSE(line.contains("label")) << line.dump();
  EXPECT_FALSE(line.contains("confidence")) << line.dump();
  for (size_t i : {0u, 1u, 3u}) {
    EXPECT_EQ(predictions[i].error, "") << i;
    EXPECT_EQ(predictions[i].label, clean[i].label) << i;
    EXPECT_DOUBLE_EQ(predictions[i].confidence, clean[i].confidence) << i;
  }
}

// Served: the request holding that text is a 500 saying the model produced a non-finite
// output; a request without it is answered.
TEST(PipelineBackend, ANonFiniteOutputIsA500ForItsRequest) {
  Calls calls;
  PipelineBackend backend(make_pipeline(calls, NanRows::one_word));
  Service service(backend, without_waiting());
  const HttpResponse broken =
      service.handle({"POST", "/v1/classify", json{{"texts", {"Продам гараж", "Ищу"}}}.dump(), {}});
  ASSERT_EQ(broken.status, 500) << broken.body;
  const json error = json::parse(broken.body)["error"];
  EXPECT_EQ(error["code"], "model_output") << broken.body;
  EXPECT_NE(error["message"].get<std::string>().find("non-finite output"), std::string::npos)
      << broken.body;
  EXPECT_EQ(error["field"], "texts[1]") << broken.body;
  const HttpResponse answered =
      service.handle({"POST", "/v1/classify", json{{"texts", {"Продам гараж"}}}.dump(), {}});
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_TRUE(json::parse(answered.body)["results"][0]["confidence"].is_number()) << answered.body;
}

// A run whose warm-up answer is not finite never turns ready, on start or on reload.
TEST(PipelineBackend, ANonFiniteWarmUpAnswerKeepsTheServerFromBecomingReady) {
  Calls calls;
  PipelineBackend backend(make_pipeline(calls, NanRows::all));
  Service service(backend, without_waiting());
  try {
    service.warm_up();
    FAIL() << "a run answering NaN warmed up";
  } catch (const ModelOutputError& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite output"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(service.ready());
  EXPECT_EQ(service.handle({"GET", "/readyz", "", {}}).status, 503);
  EXPECT_THROW(warm_up_backend(backend), ModelOutputError);
  PipelineBackend healthy(make_pipeline(calls));
  EXPECT_NO_THROW(warm_up_backend(healthy));
}

// A warm-up answer with a NaN probability but no error (a backend other than Pipeline) is
// refused too.
TEST(PipelineBackend, AWarmUpAnswerWithANaNProbabilityIsRefused) {
  Prediction answer;
  answer.label = "Авто";
  answer.confidence = 0.9;
  answer.top_k = {{"Авто", 0.9}};
  EXPECT_NO_THROW(check_warm_up_answer(answer));
  answer.top_k.push_back({"Работа", NAN});
  EXPECT_THROW(check_warm_up_answer(answer), ModelOutputError);
}

}  // namespace
}  // namespace rubrika::serve
