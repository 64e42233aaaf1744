// Service without sockets: every route, and every way a client can get a request wrong
// gets a 4xx JSON error naming the field and the problem. Texts are prepared once, rerank
// goes through the batcher like classify, and responses carry Cyrillic as UTF-8.
#include <rubrika/serve/routes.hpp>
#include <rubrika/serve/service.hpp>
#include "fake_backends.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>

namespace rubrika::serve {
namespace {

using nlohmann::json;
using testing::FakeBackend;

ServeOptions fast_options() {
  ServeOptions options;
  options.max_wait_ms = 0;
  options.max_texts_per_request = 4;
  options.max_text_chars = 20;
  options.max_body_bytes = 2000;
  options.queue_capacity = 8;
  return options;
}

HttpRequest post(const std::string& path, const std::string& body) {
  return {"POST", path, body, {}};
}
HttpRequest get(const std::string& path) { return {"GET", path, "", {}}; }

class ServiceTest : public ::testing::Test {
 protected:
  HttpResponse classify(const std::string& body) {
    return service.handle(post("/v1/classify", body));
  }
  static json parse(const HttpResponse& response) { return json::parse(response.body); }

  // Asserts an error response: status, code, field, and a phrase of the message.
  static void expect_error(const HttpResponse& response, int status, const std::string& field,
                           const std::string& phrase) {
    EXPECT_EQ(response.status, status) << response.body;
    json body = json::parse(response.body);
    ASSERT_TRUE(body.contains("error")) << response.body;
    if (field.empty()) {
      EXPECT_TRUE(body["error"]["field"].is_null()) << response.body;
    } else {
      EXPECT_EQ(body["error"]["field"], field) << response.body;
    }
    EXPECT_NE(body["error"]["message"].get<std::string>().find(phrase), std::string::npos)
        << response.body;
    EXPECT_TRUE(body["error"]["code"].is_string());
  }

  FakeBackend backend;
  Service service{backend, fast_options()};
};

TEST_F(ServiceTest, ClassifiesTextsInOrderWithThePredictShape) {
  HttpResponse response = classify(R"({"texts": ["один", "два слова", "ood текст"]})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  json results = parse(response)["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["label"], "Недвижимость");
  EXPECT_EQ(results[1]["label"], "Работа");
  EXPECT_DOUBLE_EQ(results[0]["confidence"].get<double>(), 0.7);
  EXPECT_EQ(results[0]["top_k"].size(), 3u);
  EXPECT_EQ(results[0]["top_k"][0]["label"], "Недвижимость");
  EXPECT_DOUBLE_EQ(results[0]["top_k"][1]["p"].get<double>(), 0.2);
  EXPECT_EQ(results[0]["ood"]["flag"], false);
  EXPECT_EQ(results[2]["ood"]["flag"], true);
  EXPECT_DOUBLE_EQ(results[2]["ood"]["score"].get<double>(), 9.5);
  EXPECT_EQ(results[0]["reranked"], false);
  EXPECT_FALSE(results[0].contains("label_before_rerank"));
  EXPECT_FALSE(results[0].contains("timings_ms"));  // only when asked
}

TEST_F(ServiceTest, SingleTextGivesOneResult) {
  HttpResponse response = classify(R"({"text": "один"})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(parse(response)["results"].size(), 1u);
}

TEST_F(ServiceTest, OptionsTopKRerankAndTimings) {
  json r = parse(
      classify(R"({"texts": ["один"], "top_k": 2, "rerank": "always", "return_timings": true})"));
  json result = r["results"][0];
  EXPECT_EQ(result["top_k"].size(), 2u);
  EXPECT_EQ(result["reranked"], true);
  EXPECT_EQ(result["label_before_rerank"], "Недвижимость");
  EXPECT_EQ(result["label"], "Работа");
  ASSERT_TRUE(result.contains("timings_ms"));
  EXPECT_TRUE(result["timings_ms"].contains("queue"));
  EXPECT_TRUE(result["timings_ms"].contains("forward"));
  EXPECT_EQ(backend.batches().back().options.rerank, RerankMode::always);
}

TEST_F(ServiceTest, LongTextIsTruncatedToMaxTextChars) {
  const std::string long_text = "абвгдежзийклмнопрстуфхцчшщ";  // 26 characters, 52 bytes
  ASSERT_EQ(classify(json{{"texts", {long_text}}}.dump()).status, 200);
  EXPECT_EQ(backend.batches().back().texts[0], "абвгдежзийклмнопрсту");  // 20 characters
}

TEST_F(ServiceTest, LongTextIsRefusedWhenConfiguredToReject) {
  ServeOptions options = fast_options();
  options.on_long_text = LongText::reject;
  Service strict(backend, options);
  expect_error(
      strict.handle(post("/v1/classify", json{{"texts", {"ok", std::string(21, 'x')}}}.dump())),
      422, "texts[1]", "21 characters");
}

TEST_F(ServiceTest, MalformedJsonNamesTheByteOffset) {
  expect_error(classify(R"({"texts": ["a",]})"), 400, "body", "byte offset 15");
}

TEST_F(ServiceTest, InvalidUtf8IsRejectedAtParsingWithTheByteOffset) {
  std::string body = R"({"texts": ["ab)";
  body += '\xff';
  body += R"("]})";
  expect_error(classify(body), 400, "body", "invalid UTF-8 at byte offset 14");
  std::string overlong = R"({"text": ")"
                         "\xC0\xAF"
                         R"("})";
  expect_error(classify(overlong), 400, "body", "byte offset 10");
  EXPECT_EQ(backend.prepared(), 0);  // nothing invalid reached the backend
}

TEST_F(ServiceTest, EachServedTextIsPreparedOnce) {
  ASSERT_EQ(classify(R"({"texts": ["один", "два слова", "три слова тут"]})").status, 200);
  EXPECT_EQ(backend.prepared(), 3);
  ASSERT_EQ(
      service.handle(post("/v1/rerank", R"({"text": "абв", "candidates": ["Авто", "Работа"]})"))
          .status,
      200);
  EXPECT_EQ(backend.prepared(), 4);  // the rerank text once, not once per candidate
}

TEST_F(ServiceTest, CyrillicComesBackAsUtf8NotEscapes) {
  HttpResponse classified = classify(R"({"text": "один"})");
  ASSERT_EQ(classified.status, 200) << classified.body;
  EXPECT_NE(classified.body.find("\"label\":\"Недвижимость\""), std::string::npos)
      << classified.body;
  EXPECT_EQ(classified.body.find("\\u"), std::string::npos) << classified.body;
  HttpResponse reranked =
      service.handle(post("/v1/rerank", R"({"text": "абв", "candidates": ["Работа"]})"));
  ASSERT_EQ(reranked.status, 200) << reranked.body;
  EXPECT_NE(reranked.body.find("[\"Работа\"]"), std::string::npos) << reranked.body;
  EXPECT_EQ(reranked.body.find("\\u"), std::string::npos) << reranked.body;
  HttpResponse info = service.handle(get("/v1/info"));
  EXPECT_NE(info.body.find("\"Авто\""), std::string::npos) << info.body;
  EXPECT_EQ(info.body.find("\\u"), std::string::npos) << info.body;
}

TEST_F(ServiceTest, WrongShapesAndTypesAre400NamingTheField) {
  expect_error(classify(R"(["a"])"), 400, "body", "must be a JSON object");
  expect_error(classify(R"({})"), 400, "texts", "missing field");
  expect_error(classify(R"({"texts": "a"})"), 400, "texts", "expected an array");
  expect_error(classify(R"({"texts": ["a", 5]})"), 400, "texts[1]",
               "expected a string, got number");
  expect_error(classify(R"({"text": null})"), 400, "text", "expected a string, got null");
  expect_error(classify(R"({"text": "a", "texts": ["b"]})"), 400, "text", "not both");
  expect_error(classify(R"({"textz": ["a"]})"), 400, "textz", "did you mean \"texts\"");
  expect_error(classify(R"({"texts": ["a"], "top_k": "3"})"), 400, "top_k", "expected an integer");
  expect_error(classify(R"({"texts": ["a"], "top_k": 1.5})"), 400, "top_k", "expected an integer");
  expect_error(classify(R"({"texts": ["a"], "rerank": true})"), 400, "rerank", "expected a string");
  expect_error(classify(R"({"texts": ["a"], "return_timings": 1})"), 400, "return_timings",
               "expected true or false");
}

// A bad request's own bytes come back clipped: an unknown field name or a malformed token of
// 1,500 bytes is quoted to ~200 bytes, the error still names it.
TEST_F(ServiceTest, ErrorsQuoteAtMostAFewHundredBytesOfTheInput) {
  Service roomy{backend, [] {
                  ServeOptions options = fast_options();
                  options.max_body_bytes = 100000;
                  return options;
                }()};
  const std::string long_name(1500, 'q');
  HttpResponse field = roomy.handle(post("/v1/classify", "{\"" + long_name + "\": 1}"));
  EXPECT_EQ(field.status, 400) << field.body.substr(0, 300);
  EXPECT_LT(field.body.size(), 1000u) << "the 1,500-byte field name is not echoed whole";
  EXPECT_NE(field.body.find("qqqq"), std::string::npos) << field.body;
  const std::string long_token = "{\"texts\": [" + std::string(1500, 't') + "]}";
  HttpResponse token = roomy.handle(post("/v1/classify", long_token));
  EXPECT_EQ(token.status, 400) << token.body.substr(0, 300);
  EXPECT_LT(token.body.size(), 1000u) << token.body.substr(0, 300);
  EXPECT_NE(token.body.find("malformed JSON"), std::string::npos) << token.body;
}

TEST_F(ServiceTest, UnusableValuesAre422NamingTheField) {
  expect_error(classify(R"({"texts": []})"), 422, "texts", "empty");
  expect_error(classify(R"({"texts": ["a", ""]})"), 422, "texts[1]", "empty");
  expect_error(classify(R"({"text": "  \n\t"})"), 422, "text", "only whitespace");
  expect_error(classify(R"({"texts": ["a"], "top_k": 0})"), 422, "top_k", "at least 1");
  expect_error(classify(R"({"texts": ["a"], "rerank": "sometimes"})"), 422, "rerank",
               "not one of: auto, always, never");
}

TEST_F(ServiceTest, TooManyTextsOrTooLargeBodyIs413) {
  expect_error(classify(R"({"texts": ["a", "b", "c", "d", "e"]})"), 413, "texts",
               "more than the limit of 4");
  expect_error(classify(R"({"text": ")" + std::string(3000, 'a') + "\"}"), 413, "body",
               "more than the limit of 2000");
  EXPECT_TRUE(backend.batches().empty());  // nothing bad reached the model
}

TEST_F(ServiceTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  expect_error(service.handle(get("/v2/classify")), 404, "path", "no route /v2/classify");
  HttpResponse wrong = service.handle(get("/v1/classify"));
  expect_error(wrong, 405, "method", "use POST");
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0], (std::pair<std::string, std::string>{"Allow", "POST"}));
  expect_error(service.handle({"DELETE", "/healthz", "", {}}), 405, "method", "use GET");
  EXPECT_EQ(service.handle({"HEAD", "/healthz", "", {}}).status, 200);
}

TEST_F(ServiceTest, EveryRouteInTheTableAnswers) {
  service.warm_up();
  for (const auto& route : routes()) {
    if (route.path == "/admin/reload") continue;  // off without a token: reload_test.cpp
    const std::string body = route.path == "/v1/rerank" ? R"({"text": "a", "candidates": ["Авто"]})"
                                                        : R"({"texts": ["a"]})";
    HttpResponse response = service.handle({route.method, route.path, body, {}});
    EXPECT_EQ(response.status, 200) << route.method << " " << route.path << ": " << response.body;
  }
}

TEST_F(ServiceTest, RerankScoresComeInCandidateOrder) {
  HttpResponse response =
      service.handle(post("/v1/rerank", R"({"text": "абв", "candidates": ["Работа", "Авто"]})"));
  ASSERT_EQ(response.status, 200) << response.body;
  json body = parse(response);
  EXPECT_EQ(body["candidates"], json({"Работа", "Авто"}));
  ASSERT_EQ(body["scores"].size(), 2u);
  // FakeBackend: score = bytes of the label + bytes of the text / 1000.
  EXPECT_DOUBLE_EQ(body["scores"][0].get<double>(), 12.006);
  EXPECT_DOUBLE_EQ(body["scores"][1].get<double>(), 8.006);
  auto reranks = backend.reranks();  // through the batcher: one call for both pairs
  ASSERT_EQ(reranks.size(), 1u);
  EXPECT_EQ(reranks[0].candidates, (std::vector<std::string>{"Работа", "Авто"}));
  EXPECT_EQ(reranks[0].texts, (std::vector<std::string>{"абв", "абв"}));
}

TEST_F(ServiceTest, RerankErrorsNameTheField) {
  expect_error(
      service.handle(post("/v1/rerank", R"({"text": "a", "candidates": ["Авто", "Работы"]})")), 422,
      "candidates[1]", "unknown label 'Работы'");
  expect_error(service.handle(post("/v1/rerank", R"({"text": "a"})")), 400, "candidates",
               "missing field");
  expect_error(service.handle(post("/v1/rerank", R"({"candidates": ["Авто"]})")), 400, "text",
               "missing field");
  expect_error(service.handle(post("/v1/rerank", R"({"text": "a", "candidates": []})")), 422,
               "candidates", "empty");
  expect_error(service.handle(post("/v1/rerank", R"({"text": "a", "candidates": [1]})")), 400,
               "candidates[0]", "expected a string");
}

TEST(ServiceNoReranker, RerankIs501) {
  FakeBackend backend(/*with_reranker=*/false);
  Service service(backend, fast_options());
  HttpResponse response =
      service.handle(post("/v1/rerank", R"({"text": "a", "candidates": ["Авто"]})"));
  EXPECT_EQ(response.status, 501);
  EXPECT_EQ(json::parse(response.body)["error"]["code"], "not_available");
}

TEST_F(ServiceTest, InfoDescribesThePipeline) {
  json info = parse(service.handle(get("/v1/info")));
  EXPECT_EQ(info["format_version"], 1);
  EXPECT_EQ(info["recipe_hash"], "0123abcd");
  EXPECT_EQ(info["labels"], json({"Авто", "Недвижимость", "Работа"}));
  EXPECT_EQ(info["stages"][0]["stage"], "encoder");
  EXPECT_EQ(info["stages"][0]["component"], "encoder/fake 1.0");
  EXPECT_EQ(info["reranker"], true);
  EXPECT_EQ(info["serve"]["max_batch_size"], 32);
}

TEST_F(ServiceTest, ReadyOnlyAfterWarmUpAndNotWhileDraining) {
  EXPECT_EQ(service.handle(get("/healthz")).status, 200);
  EXPECT_EQ(service.handle(get("/readyz")).status, 503);
  service.warm_up();
  EXPECT_EQ(backend.batches().size(), 1u);  // the warm-up prediction
  EXPECT_EQ(service.handle(get("/readyz")).status, 200);
  service.begin_drain();
  EXPECT_EQ(service.handle(get("/readyz")).status, 503);
  EXPECT_EQ(service.handle(get("/healthz")).status, 200);
  EXPECT_EQ(classify(R"({"text": "a"})").status, 200);  // in-flight work still served
}

TEST_F(ServiceTest, MetricsCountRequestsBatchesAndOutcomes) {
  classify(R"({"texts": ["a", "ood b", "other c"]})");
  classify(R"({"texts": []})");
  service.handle(get("/nope"));
  HttpResponse response = service.handle(get("/metrics"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type.rfind("text/plain", 0), 0u);
  const std::string& text = response.body;
  for (const char* line :
       {"rubrika_requests_total{route=\"/v1/classify\",status=\"200\"} 1",
        "rubrika_requests_total{route=\"/v1/classify\",status=\"422\"} 1",
        "rubrika_requests_total{route=\"unmatched\",status=\"404\"} 1",
        "rubrika_batch_size_count 1", "rubrika_batch_size_sum 3", "rubrika_batch_tokens_sum 12",
        "rubrika_texts_total 3", "rubrika_ood_total 1", "rubrika_other_total 1",
        "rubrika_reranked_total 0", "rubrika_queue_depth 0",
        "rubrika_stage_duration_seconds_count{stage=\"forward\"} 3",
        "rubrika_stage_duration_seconds_count{stage=\"queue\"} 3",
        "rubrika_request_duration_seconds_count{route=\"/v1/classify\"} 2",
        "# TYPE rubrika_batch_size histogram"})
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
}

TEST(ServiceFailures, BackendExceptionIs500WithoutLeakingDetails) {
  FakeBackend backend;
  backend.set_throws(true);
  Service service(backend, fast_options());
  HttpResponse response = service.handle(post("/v1/classify", R"({"texts": ["a"]})"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(json::parse(response.body)["error"]["code"], "internal");
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
}

TEST(ServiceFailures, FullQueueIs503WithRetryAfter) {
  FakeBackend backend;
  backend.close_gate();
  ServeOptions options = fast_options();
  options.max_batch_size = 1;
  options.queue_capacity = 4;
  options.retry_after_s = 2;
  Service service(backend, options);
  backend.open_gate();
  service.warm_up();  // ready, so /readyz can say why it is not
  backend.close_gate();
  auto busy = std::async(std::launch::async, [&] {
    return service.handle(post("/v1/classify", R"({"texts": ["a"]})"));
  });
  ASSERT_TRUE(backend.wait_entered(2));  // the warm-up, then this one
  auto queued = std::async(std::launch::async, [&] {
    return service.handle(post("/v1/classify", R"({"texts": ["a", "b", "c", "d"]})"));
  });
  for (int i = 0; i < 200; ++i) {
    if (service.handle(get("/metrics")).body.find("rubrika_queue_depth 4") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int64_t prepared_before = backend.prepared();
  HttpResponse rejected = service.handle(post("/v1/classify", R"({"texts": ["e"]})"));
  EXPECT_EQ(rejected.status, 503);
  EXPECT_EQ(json::parse(rejected.body)["error"]["code"], "overloaded");
  ASSERT_EQ(rejected.headers.size(), 1u);
  EXPECT_EQ(rejected.headers[0], (std::pair<std::string, std::string>{"Retry-After", "2"}));
  EXPECT_EQ(backend.prepared(), prepared_before) << "refused before normalising or tokenising";
  HttpResponse ready = service.handle(get("/readyz"));
  EXPECT_EQ(ready.status, 503) << "not ready while the queue is full";
  EXPECT_EQ(json::parse(ready.body)["status"], "overloaded");
  EXPECT_EQ(service.handle(get("/healthz")).status, 200) << "alive all the same";
  backend.open_gate();
  EXPECT_EQ(busy.get().status, 200);
  EXPECT_EQ(queued.get().status, 200);
  EXPECT_EQ(service.handle(get("/readyz")).status, 200) << "ready again once the queue drains";
}

TEST(ServiceFailures, RerankSharesTheQueueAndIs503WhenItIsFull) {
  FakeBackend backend;
  backend.close_gate();
  ServeOptions options = fast_options();
  options.max_batch_size = 1;
  options.queue_capacity = 4;
  Service service(backend, options);
  auto busy = std::async(std::launch::async, [&] {
    return service.handle(post("/v1/classify", R"({"texts": ["a"]})"));
  });
  ASSERT_TRUE(backend.wait_entered(1));
  // Three rerank pairs and one text fill the queue of 4.
  auto queued_rerank = std::async(std::launch::async, [&] {
    return service.handle(
        post("/v1/rerank", R"({"text": "a", "candidates": ["Авто", "Работа", "Недвижимость"]})"));
  });
  auto queued_text = std::async(std::launch::async, [&] {
    return service.handle(post("/v1/classify", R"({"texts": ["b"]})"));
  });
  for (int i = 0; i < 200; ++i) {
    if (service.handle(get("/metrics")).body.find("rubrika_queue_depth 4") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  HttpResponse rejected =
      service.handle(post("/v1/rerank", R"({"text": "c", "candidates": ["Авто"]})"));
  EXPECT_EQ(rejected.status, 503) << rejected.body;
  EXPECT_EQ(json::parse(rejected.body)["error"]["code"], "overloaded");
  EXPECT_EQ(service.handle(post("/v1/classify", R"({"texts": ["d"]})")).status, 503);
  backend.open_gate();
  EXPECT_EQ(busy.get().status, 200);
  EXPECT_EQ(queued_rerank.get().status, 200);
  EXPECT_EQ(queued_text.get().status, 200);
  EXPECT_NE(service.handle(get("/metrics"))
                .body.find("rubrika_requests_total{route=\"/v1/rerank\",status=\"503\"} 1"),
            std::string::npos);
}

TEST(ServiceFailures, SlowRerankIs504AfterRequestTimeout) {
  FakeBackend backend;
  backend.set_delay_ms(400);
  ServeOptions options = fast_options();
  options.request_timeout_ms = 100;
  Service service(backend, options);
  HttpResponse response =
      service.handle(post("/v1/rerank", R"({"text": "a", "candidates": ["Авто"]})"));
  EXPECT_EQ(response.status, 504) << response.body;
  EXPECT_EQ(json::parse(response.body)["error"]["code"], "deadline_exceeded");
}

TEST(ServiceFailures, SlowAnswerIs504AfterRequestTimeout) {
  FakeBackend backend;
  backend.set_delay_ms(400);
  ServeOptions options = fast_options();
  options.request_timeout_ms = 100;
  Service service(backend, options);
  HttpResponse response = service.handle(post("/v1/classify", R"({"texts": ["a"]})"));
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(json::parse(response.body)["error"]["code"], "deadline_exceeded");
}

toml::table parse_toml(const std::string& text) {
  return toml::parse(std::string_view(text), std::string_view("r.toml"));
}

TEST(ServeOptionsTest, ReadsTheServeTableStrictly) {
  auto table = parse_toml("port = 0\nmax_batch_size = 8\non_long_text = \"reject\"\n");
  ServeOptions options = ServeOptions::from_toml(table);
  EXPECT_EQ(options.port, 0);
  EXPECT_EQ(options.max_batch_size, 8);
  EXPECT_EQ(options.on_long_text, LongText::reject);
  EXPECT_EQ(options.host, "127.0.0.1");  // loopback by default
  EXPECT_THROW(ServeOptions::from_toml(parse_toml("max_batch_sise = 8")), RecipeError);
  EXPECT_THROW(ServeOptions::from_toml(parse_toml("on_long_text = \"cut\"")), RecipeError);
  EXPECT_THROW(ServeOptions::from_toml(parse_toml("port = 70000")), RecipeError);
  try {
    ServeOptions::from_toml(parse_toml("queue_capacity = 8\nmax_texts_per_request = 9"));
    FAIL() << "expected RecipeError";
  } catch (const RecipeError& e) {
    EXPECT_NE(std::string(e.what()).find("max_texts_per_request"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("r.toml:2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rubrika::serve
