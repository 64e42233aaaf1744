// The HTTP layer through real loopback sockets, against the test server process: routes
// answer, the HTTP library's own errors are JSON, overload beyond the queue gives 503
// with Retry-After and the server keeps answering, SIGTERM drains and exits 0.
#include "server_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <future>

namespace rubrika::serve::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::unique_ptr<ServerProcess> start_fake(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {RUBRIKA_SERVE_FAKE_SERVER};
  argv.insert(argv.end(), args.begin(), args.end());
  auto server = ServerProcess::start(argv, 30s);
  EXPECT_EQ(server->host(), "127.0.0.1");  // loopback by default
  if (!server->wait_ready(30s)) throw std::runtime_error("not ready:\n" + server->output());
  return server;
}

httplib::Client client_for(const ServerProcess& server) {
  httplib::Client client(server.host(), server.port());
  client.set_connection_timeout(2s);
  client.set_read_timeout(20s);
  return client;
}

TEST(ServeHttp, RoutesAnswerOverSockets) {
  auto server = start_fake({});
  auto client = client_for(*server);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto result = client.Post("/v1/classify", R"({"texts": ["Продам гараж", "Ищу работу"]})",
                            "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(json::parse(result->body)["results"].size(), 2u);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(result->body.find("\\u"), std::string::npos) << result->body;  // UTF-8, no escapes
  auto reranked = client.Post("/v1/rerank", R"({"text": "Продам гараж", "candidates": ["Авто"]})",
                              "application/json");
  ASSERT_TRUE(reranked);
  EXPECT_EQ(reranked->status, 200) << reranked->body;
  EXPECT_NE(reranked->body.find("\"candidates\":[\"Авто\"]"), std::string::npos) << reranked->body;
  auto missing = client.Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["error"]["code"], "not_found");
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("rubrika_requests_total{route=\"/v1/classify\",status=\"200\"} 1"),
            std::string::npos)
      << metrics->body;
}

TEST(ServeHttp, BodyOverTheLimitIs413Json) {
  auto server = start_fake({"--set", "serve.max_body_bytes=1024"});
  auto client = client_for(*server);
  const std::string body = R"({"text": ")" + std::string(5000, 'a') + "\"}";
  auto result = client.Post("/v1/classify", body, "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  json error = json::parse(result->body)["error"];
  EXPECT_EQ(error["code"], "payload_too_large");
  EXPECT_EQ(error["field"], "body");
  // Still serving.
  auto after = client.Post("/v1/classify", R"({"text": "a"})", "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST(ServeHttp, OverloadBeyondTheQueueIs503WithRetryAfterAndServingContinues) {
  // One batch of 2 texts every 300 ms; room for 4 queued texts; 12 clients at once.
  auto server = start_fake({"--delay-ms", "300", "--set", "serve.max_batch_size=2", "--set",
                            "serve.queue_capacity=4", "--set", "serve.max_texts_per_request=2",
                            "--set", "serve.retry_after_s=3", "--set", "serve.threads=16"});
  std::vector<std::future<std::pair<int, std::string>>> calls;
  for (int i = 0; i < 12; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      auto client = client_for(*server);
      auto result = client.Post("/v1/classify", R"({"texts": ["a b", "c d"]})", "application/json");
      if (!result) return std::make_pair(-1, std::string());
      return std::make_pair(result->status, result->get_header_value("Retry-After"));
    }));
  }
  int ok = 0, overloaded = 0;
  for (auto& call : calls) {
    auto [status, retry_after] = call.get();
    if (status == 200) ++ok;
    if (status == 503) {
      ++overloaded;
      EXPECT_EQ(retry_after, "3");
    }
    EXPECT_TRUE(status == 200 || status == 503) << "status " << status;
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(overloaded, 1);
  auto client = client_for(*server);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto after = client.Post("/v1/classify", R"({"text": "снова"})", "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("status=\"503\"} " + std::to_string(overloaded)), std::string::npos)
      << metrics->body;
}

TEST(ServeHttp, SigtermFinishesTheInFlightRequestAndExitsZero) {
  auto server = start_fake({"--delay-ms", "800"});
  auto in_flight = std::async(std::launch::async, [&] {
    auto client = client_for(*server);
    auto result = client.Post("/v1/classify", R"({"text": "долгий запрос"})", "application/json");
    return result ? result->status : -1;
  });
  // Wait until the request is inside its 800 ms batch (batch 1 was the warm-up).
  auto probe = client_for(*server);
  bool in_batch = false;
  for (int i = 0; i < 100 && !in_batch; ++i) {
    auto metrics = probe.Get("/metrics");
    in_batch = metrics && metrics->body.find("rubrika_batch_size_count 2") != std::string::npos;
    if (!in_batch) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(in_batch) << server->output();
  server->send_signal(SIGTERM);
  EXPECT_EQ(in_flight.get(), 200);
  auto code = server->wait_exit(20s);
  ASSERT_TRUE(code.has_value()) << server->output();
  EXPECT_EQ(*code, 0) << server->output();
  EXPECT_NE(server->output().find("draining"), std::string::npos) << server->output();
  // Nothing listens any more.
  auto client = client_for(*server);
  EXPECT_FALSE(client.Get("/healthz"));
}

TEST(ServeHttp, SigintAlsoStopsCleanly) {
  auto server = start_fake({});
  server->send_signal(SIGINT);
  auto code = server->wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << server->output();
}

// A second server on a port in use fails to start, naming the port, instead of sharing it
// (SO_REUSEPORT) and taking part of the first one's traffic.
TEST(ServeHttp, APortInUseIsAClearErrorAtStart) {
  auto first = start_fake({});
  const std::string port = std::to_string(first->port());
  try {
    ServerProcess::start({RUBRIKA_SERVE_FAKE_SERVER, "--set", "serve.port=" + port}, 20s);
    ADD_FAILURE() << "a second server started on port " << port;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + port), std::string::npos)
        << e.what();
  }
  auto client = client_for(*first);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServeHttp, BadServeOptionIsRefusedAtStart) {
  EXPECT_THROW(
      ServerProcess::start({RUBRIKA_SERVE_FAKE_SERVER, "--set", "serve.max_batch_sise=4"}, 20s),
      std::runtime_error);
}

}  // namespace
}  // namespace rubrika::serve::testing
