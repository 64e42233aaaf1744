// Reloads through real loopback sockets, against the test server process with fake run
// folders: POST /admin/reload under continuous classify traffic answers every request 200
// and wholly from one backend, a wrong token is 401 with WWW-Authenticate, and SIGHUP
// reloads the folder served now, logs it and keeps serving.
#include "reload_checks.hpp"
#include "server_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

namespace rubrika::serve::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kToken = "http-admin-token-0123456789";

std::unique_ptr<ServerProcess> start_fake(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {RUBRIKA_SERVE_FAKE_SERVER, "--set",
                                   "serve.admin_token=" + kToken};
  argv.insert(argv.end(), args.begin(), args.end());
  auto server = ServerProcess::start(argv, 30s);
  if (!server->wait_ready(30s)) throw std::runtime_error("not ready:\n" + server->output());
  return server;
}

httplib::Client client_for(const ServerProcess& server) {
  httplib::Client client(server.host(), server.port());
  client.set_connection_timeout(2s);
  client.set_read_timeout(20s);
  return client;
}

httplib::Result post_reload(httplib::Client& client, const std::string& body,
                            const std::string& token = kToken) {
  return client.Post("/admin/reload", {{"Authorization", "Bearer " + token}}, body,
                     "application/json");
}

json get_info(const ServerProcess& server) {
  auto client = client_for(server);
  auto info = client.Get("/v1/info");
  if (!info || info->status != 200) throw std::runtime_error("/v1/info did not answer");
  return json::parse(info->body);
}

// Classify requests in a loop on `threads` keep-alive clients until stop(); counts each
// answer by the run that gave it ("status N" for a non-200, "MIXED" for a mixed answer).
class ClassifyTraffic {
 public:
  ClassifyTraffic(const ServerProcess& server, int threads) {
    for (int id = 0; id < threads; ++id)
      threads_.emplace_back([this, &server, id] { loop(server, id); });
  }
  std::map<std::string, int> stop() {
    stop_ = true;
    for (auto& thread : threads_) thread.join();
    return answers_;
  }

 private:
  void loop(const ServerProcess& server, int id) {
    auto client = client_for(server);
    for (int i = 0; !stop_; ++i) {
      const std::vector<std::string> texts(1 + (id + i) % 3, "запрос " + std::to_string(i));
      auto result = client.Post("/v1/classify", json{{"texts", texts}}.dump(), "application/json");
      std::string key = "no answer";
      if (result)
        key = result->status == 200 ? run_of_answer(json::parse(result->body))
                                    : "status " + std::to_string(result->status);
      std::lock_guard<std::mutex> lock(mutex_);
      ++answers_[key];
    }
  }

  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<std::string, int> answers_;
  std::vector<std::thread> threads_;
};

TEST(ServeReloadHttp, ReloadsUnderLoadAnswerEveryRequestWhollyFromOneBackend) {
  // Small batches of 5 ms: texts of the old backend still queue at each switch.
  auto server = start_fake({"--run", "fast", "--slow-load-ms", "200", "--delay-ms", "5", "--set",
                            "serve.threads=16", "--set", "serve.max_batch_size=4"});
  ClassifyTraffic traffic(*server, 8);
  auto admin = client_for(*server);
  for (const char* run : {"slow", "fast", "slow", "fast", "slow"}) {
    std::this_thread::sleep_for(50ms);
    auto result = post_reload(admin, json{{"run", run}}.dump());
    ASSERT_TRUE(result) << server->output();
    EXPECT_EQ(result->status, 200) << result->body;
  }
  std::this_thread::sleep_for(50ms);
  const std::map<std::string, int> answers = traffic.stop();
  for (const auto& [key, count] : answers)
    EXPECT_TRUE(key == "fast" || key == "slow") << count << " answers: " << key;
  EXPECT_GT(answers.count("fast") ? answers.at("fast") : 0, 0);
  EXPECT_GT(answers.count("slow") ? answers.at("slow") : 0, 0);
  const json info = get_info(*server);
  EXPECT_EQ(info["run_name"], "slow");
  EXPECT_EQ(info["reloads"], 5);
  auto metrics = admin.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("rubrika_reloads_total{result=\"ok\"} 5"), std::string::npos)
      << metrics->body;
}

TEST(ServeReloadHttp, WrongTokenIs401AndABrokenRunKeepsTheOldOne) {
  auto server = start_fake({"--run", "alpha"});
  auto client = client_for(*server);
  auto wrong = post_reload(client, R"({"run": "beta"})", "not-the-token-0000000");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(json::parse(wrong->body)["error"]["code"], "unauthorized");
  auto broken = post_reload(client, R"({"run": "/runs/broken"})");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 422) << broken->body;
  EXPECT_NE(broken->body.find("/runs/broken/pipeline.toml"), std::string::npos) << broken->body;
  EXPECT_EQ(get_info(*server)["run_id"], "id-alpha-1");
  EXPECT_NE(server->output().find("reload of /runs/broken failed"), std::string::npos)
      << server->output();
}

TEST(ServeReloadHttp, SighupReloadsTheFolderServedNowAndServingGoesOn) {
  auto server = start_fake({"--run", "/runs/alpha"});
  EXPECT_EQ(get_info(*server)["run_id"], "id-alpha-1");
  server->send_signal(SIGHUP);
  json info;
  for (int i = 0; i < 200; ++i) {
    info = get_info(*server);
    if (info["reloads"] == 1) break;
    std::this_thread::sleep_for(25ms);
  }
  EXPECT_EQ(info["reloads"], 1) << server->output();
  EXPECT_EQ(info["run_id"], "id-alpha-2");  // the same folder, read again
  EXPECT_EQ(info["run_dir"], "/runs/alpha");
  EXPECT_NE(server->output().find("reloaded: now serving /runs/alpha"), std::string::npos)
      << server->output();
  auto client = client_for(*server);
  auto result = client.Post("/v1/classify", R"({"text": "ещё работает"})", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(run_of_answer(json::parse(result->body)), "alpha");
  server->send_signal(SIGTERM);
  auto code = server->wait_exit(20s);
  ASSERT_TRUE(code.has_value()) << server->output();
  EXPECT_EQ(*code, 0) << server->output();
}

}  // namespace
}  // namespace rubrika::serve::testing
