// Switching the served run without sockets: POST /admin/reload through Service::handle
// with fake run folders (FakeRunLoader). A reload switches labels and /v1/info, a run that
// fails to load leaves the old one serving and answers the loader's message, the route is
// off without a token and refuses a wrong one, a second reload while one runs gets 409, and
// under continuous classify traffic every answer is 200 and comes wholly from one backend.
#include <rubrika/serve/backend_slot.hpp>
#include <rubrika/serve/service.hpp>
#include "fake_backends.hpp"
#include "reload_checks.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <future>
#include <map>
#include <regex>
#include <thread>

namespace rubrika::serve {
namespace {

using nlohmann::json;
using testing::FakeBackend;
using testing::FakeRunLoader;
using testing::run_of_answer;

const std::string kToken = "test-admin-token-0123456789";

ServeOptions admin_options() {
  ServeOptions options;
  options.max_wait_ms = 0;
  options.admin_token = kToken;
  return options;
}

HttpRequest reload_request(const std::string& body, const std::string& authorization) {
  HttpRequest request{"POST", "/admin/reload", body, {}};
  if (!authorization.empty()) request.headers["Authorization"] = authorization;
  return request;
}

json parse(const HttpResponse& response) { return json::parse(response.body); }

// Whose labels answer a classify of `text` now (the RUN of "RUN/label").
std::string served_run(Service& service, const std::string& text = "одно слово") {
  const HttpResponse response =
      service.handle({"POST", "/v1/classify", json{{"texts", {text}}}.dump(), {}});
  EXPECT_EQ(response.status, 200) << response.body;
  return response.status == 200 ? run_of_answer(parse(response)) : "";
}

std::string metrics_text(Service& service) {
  return service.handle({"GET", "/metrics", "", {}}).body;
}

class ReloadTest : public ::testing::Test {
 protected:
  HttpResponse reload(const std::string& body, const std::string& token = kToken) {
    return service.handle(reload_request(body, "Bearer " + token));
  }
  json info() { return parse(service.handle({"GET", "/v1/info", "", {}})); }

  FakeRunLoader loader{/*slow_load_ms=*/200};
  Service service{loader.load("/runs/alpha"), admin_options(), loader.loader()};
};

TEST_F(ReloadTest, InfoShowsTheRunServedAndWhenItWasLoaded) {
  const json before = info();
  EXPECT_EQ(before["run_dir"], "/runs/alpha");
  EXPECT_EQ(before["run_id"], "id-alpha-1");
  EXPECT_EQ(before["reloads"], 0);
  EXPECT_EQ(before["lineage"], json::array());
  EXPECT_TRUE(std::regex_match(before["loaded_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << before["loaded_at"];
  EXPECT_EQ(before["serve"]["admin_reload"], true);
  EXPECT_FALSE(before["serve"].contains("admin_token"));  // the secret is never shown
  EXPECT_EQ(before.dump().find(kToken), std::string::npos);
}

TEST_F(ReloadTest, ReloadSwitchesLabelsAndInfoAfterAWarmUp) {
  EXPECT_EQ(served_run(service), "alpha");
  const HttpResponse response = reload(R"({"run": "/runs/beta"})");
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = parse(response);
  EXPECT_EQ(body["run_dir"], "/runs/beta");
  EXPECT_EQ(body["run_id"], "id-beta-2");
  EXPECT_EQ(body["previous_run_id"], "id-alpha-1");
  EXPECT_EQ(body["labels"], json({"beta/Авто", "beta/Недвижимость", "beta/Работа"}));
  EXPECT_GE(body["load_ms"].get<double>(), 0.0);
  // Warmed up before it served: one prediction of the warm-up text.
  const auto beta = loader.last();
  ASSERT_NE(beta, nullptr);
  ASSERT_EQ(beta->batches().size(), 1u);
  EXPECT_EQ(beta->batches()[0].texts, std::vector<std::string>{kWarmUpText});

  EXPECT_EQ(served_run(service), "beta");
  const json after = info();
  EXPECT_EQ(after["run_dir"], "/runs/beta");
  EXPECT_EQ(after["run_id"], "id-beta-2");
  EXPECT_EQ(after["run_name"], "beta");
  EXPECT_EQ(after["labels"], body["labels"]);
  EXPECT_EQ(after["reloads"], 1);
}

TEST_F(ReloadTest, NoBodyReadsTheFolderServedNowAgain) {
  ASSERT_EQ(reload(R"({"run": "/runs/beta"})").status, 200);
  const HttpResponse again = reload("");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse(again)["run_dir"], "/runs/beta");
  EXPECT_EQ(parse(again)["run_id"], "id-beta-3");  // loaded afresh, not the old object
  EXPECT_EQ(parse(again)["previous_run_id"], "id-beta-2");
  EXPECT_EQ(parse(reload("{}"))["run_id"], "id-beta-4");
  EXPECT_EQ(info()["reloads"], 3);
}

TEST_F(ReloadTest, ARunThatFailsToLoadLeavesTheOldOneServingAndAnswersTheLoadersMessage) {
  const HttpResponse broken = reload(R"({"run": "/runs/broken-run"})");
  EXPECT_EQ(broken.status, 422) << broken.body;
  const json error = parse(broken)["error"];
  EXPECT_EQ(error["code"], "reload_failed");
  EXPECT_EQ(error["field"], "run");
  const std::string message = error["message"].get<std::string>();
  EXPECT_NE(message.find("pipeline.toml not found"), std::string::npos) << message;
  EXPECT_NE(message.find("/runs/broken-run/pipeline.toml"), std::string::npos) << message;
  EXPECT_EQ(served_run(service), "alpha");
  EXPECT_EQ(info()["run_id"], "id-alpha-1");
  EXPECT_EQ(info()["reloads"], 0);
}

TEST_F(ReloadTest, AWarmUpFailureLeavesTheOldOneServingAndIs500WithoutDetails) {
  // The "failing" fake loads but throws a std::runtime_error at its warm-up prediction.
  const HttpResponse failing = reload(R"({"run": "/runs/failing"})");
  EXPECT_EQ(failing.status, 500) << failing.body;
  EXPECT_EQ(parse(failing)["error"]["code"], "internal");
  EXPECT_EQ(failing.body.find("secret"), std::string::npos);
  EXPECT_EQ(served_run(service), "alpha");
}

TEST_F(ReloadTest, MetricsCountSuccessfulAndFailedReloads) {
  EXPECT_NE(metrics_text(service).find("rubrika_reloads_total{result=\"ok\"} 0\n"),
            std::string::npos);
  ASSERT_EQ(reload(R"({"run": "/runs/broken"})").status, 422);
  ASSERT_EQ(reload(R"({"run": "/runs/failing"})").status, 500);
  ASSERT_EQ(reload(R"({"run": "/runs/beta"})").status, 200);
  ASSERT_EQ(reload("", "wrong-token-000000000").status, 401);  // not a reload: not counted
  const std::string text = metrics_text(service);
  EXPECT_NE(text.find("# TYPE rubrika_reloads_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("rubrika_reloads_total{result=\"ok\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rubrika_reloads_total{result=\"failed\"} 2\n"), std::string::npos) << text;
}

TEST_F(ReloadTest, WrongOrMissingTokenIs401AndLoadsNothing) {
  const std::vector<std::string> refused = {"",
                                            "Bearer wrong-token-000000000",
                                            "Bearer " + kToken + "x",
                                            "Bearer " + kToken.substr(1),
                                            "Basic " + kToken,
                                            kToken};
  for (const std::string& authorization : refused) {
    const HttpResponse response =
        service.handle(reload_request(R"({"run": "/runs/beta"})", authorization));
    EXPECT_EQ(response.status, 401) << authorization << ": " << response.body;
    EXPECT_EQ(parse(response)["error"]["code"], "unauthorized");
    EXPECT_EQ(response.body.find(kToken), std::string::npos);  // the token is never echoed
    ASSERT_EQ(response.headers.size(), 1u);
    EXPECT_EQ(response.headers[0],
              (std::pair<std::string, std::string>{"WWW-Authenticate", "Bearer"}));
  }
  EXPECT_EQ(loader.loads(), 1);  // only the first load
  // Header names are case-insensitive.
  HttpRequest lower{"POST", "/admin/reload", R"({"run": "/runs/beta"})", {}};
  lower.headers["authorization"] = "Bearer " + kToken;
  EXPECT_EQ(service.handle(lower).status, 200);
}

TEST(ReloadRouteOff, WithoutAnAdminTokenTheRouteAnswers404) {
  FakeRunLoader loader;
  ServeOptions options = admin_options();
  options.admin_token.clear();
  Service service(loader.load("/runs/alpha"), options, loader.loader());
  for (const std::string& authorization : {std::string(), std::string("Bearer ")}) {
    const HttpResponse response =
        service.handle(reload_request(R"({"run": "/runs/beta"})", authorization));
    EXPECT_EQ(response.status, 404) << response.body;
    EXPECT_EQ(parse(response)["error"]["code"], "not_found");
  }
  // Any method: an unknown path (not 405), and the list of routes does not name it.
  const HttpResponse get = service.handle({"GET", "/admin/reload", "", {}});
  EXPECT_EQ(get.status, 404) << get.body;
  EXPECT_EQ(get.body.find("POST /admin/reload"), std::string::npos) << get.body;
  EXPECT_EQ(service.handle({"GET", "/nope", "", {}}).body.find("/admin"), std::string::npos);
  EXPECT_EQ(loader.loads(), 1);
  EXPECT_EQ(parse(service.handle({"GET", "/v1/info", "", {}}))["serve"]["admin_reload"], false);
}

TEST_F(ReloadTest, ASecondReloadWhileOneRunsIs409) {
  loader.hold_loads();
  auto first = std::async(std::launch::async, [&] { return reload(R"({"run": "/runs/beta"})"); });
  ASSERT_TRUE(loader.wait_loading(2));  // the first reload is inside its loader
  const HttpResponse second = reload(R"({"run": "/runs/gamma"})");
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(parse(second)["error"]["code"], "conflict");
  EXPECT_EQ(served_run(service), "alpha");  // serving goes on during the load
  loader.release_loads();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(served_run(service), "beta");
  EXPECT_EQ(loader.loads(), 2);  // the refused one loaded nothing
}

TEST_F(ReloadTest, WithATokenTheRouteIsListedAndOtherMethodsAre405) {
  const HttpResponse get = service.handle({"GET", "/admin/reload", "", {}});
  EXPECT_EQ(get.status, 405) << get.body;
  EXPECT_NE(service.handle({"GET", "/nope", "", {}}).body.find("POST /admin/reload"),
            std::string::npos);
}

TEST_F(ReloadTest, BadBodiesNameTheField) {
  EXPECT_EQ(reload(R"({"run": 5})").status, 400);
  const HttpResponse typo = reload(R"({"rum": "/runs/beta"})");
  EXPECT_EQ(typo.status, 400);
  EXPECT_NE(typo.body.find("did you mean \\\"run\\\""), std::string::npos) << typo.body;
  const HttpResponse empty = reload(R"({"run": " "})");
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(parse(empty)["error"]["field"], "run");
  EXPECT_EQ(reload("[1]").status, 400);
  EXPECT_EQ(served_run(service), "alpha");
}

TEST(ReloadFixedBackend, AServiceWithoutALoaderAnswers501) {
  FakeBackend backend;
  Service service(backend, admin_options());
  const HttpResponse response =
      service.handle(reload_request(R"({"run": "/runs/beta"})", "Bearer " + kToken));
  EXPECT_EQ(response.status, 501) << response.body;
  EXPECT_EQ(parse(response)["error"]["code"], "not_available");
}

TEST(ReloadInFlight, ARequestInFlightFinishesOnTheOldBackendWhichIsThenFreed) {
  FakeRunLoader loader;
  auto first = std::make_shared<FakeBackend>(testing::FakeIdentity{
      {"old/Авто", "old/Недвижимость", "old/Работа"}, "old", "/runs/old", "id-old", 10});
  FakeBackend* old_backend = first.get();
  const std::weak_ptr<FakeBackend> old_alive = first;
  ServeOptions options = admin_options();
  options.workers = 2;  // one stays held inside the old backend; the other serves the new one
  Service service(std::move(first), options, loader.loader());
  old_backend->close_gate();
  auto in_flight = std::async(std::launch::async, [&] { return served_run(service); });
  ASSERT_TRUE(old_backend->wait_entered(1));  // held inside the old backend's predict
  ASSERT_EQ(service.handle(reload_request(R"({"run": "/runs/beta"})", "Bearer " + kToken)).status,
            200);
  EXPECT_EQ(served_run(service), "beta");  // new requests go to the new backend at once
  EXPECT_FALSE(old_alive.expired());       // the request in flight still holds the old one
  old_backend->open_gate();
  EXPECT_EQ(in_flight.get(), "old");
  bool freed = false;
  for (int i = 0; i < 200 && !freed; ++i) {
    freed = old_alive.expired();
    if (!freed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(freed) << "the old backend outlived its last request";
}

// Several threads classify continuously while the test switches 4 times between a fast
// and a slow-loading run: every request is answered 200, wholly by one backend (the fakes
// refuse texts another backend prepared, which would be a 500), and both runs answered.
TEST(ReloadUnderLoad, EveryRequestIsAnsweredWhollyByOneBackend) {
  // Small batches of 5 ms: while one computes, the other clients' texts queue, so at each
  // switch texts of the old backend still wait when texts of the new one arrive.
  FakeRunLoader loader(/*slow_load_ms=*/200, /*predict_delay_ms=*/5);
  ServeOptions options = admin_options();
  options.max_batch_size = 4;
  Service service(loader.load("/runs/fast"), options, loader.loader());
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<std::string, int> answers;  // RUN (or "status N" / "MIXED") → count
  const auto client = [&](int id) {
    for (int i = 0; !stop; ++i) {
      const std::vector<std::string> texts(1 + (id + i) % 3, "текст номер " + std::to_string(i));
      const HttpResponse response =
          service.handle({"POST", "/v1/classify", json{{"texts", texts}}.dump(), {}});
      const std::string key = response.status == 200 ? run_of_answer(parse(response))
                                                     : "status " + std::to_string(response.status);
      std::lock_guard<std::mutex> lock(mutex);
      ++answers[key];
    }
  };
  std::vector<std::thread> clients;
  for (int id = 0; id < 8; ++id) clients.emplace_back(client, id);
  for (const char* run : {"/runs/slow", "/runs/fast", "/runs/slow", "/runs/fast"}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const HttpResponse response =
        service.handle(reload_request(json{{"run", run}}.dump(), "Bearer " + kToken));
    EXPECT_EQ(response.status, 200) << response.body;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop = true;
  for (auto& thread : clients) thread.join();
  int total = 0;
  for (const auto& [key, count] : answers) {
    EXPECT_TRUE(key == "fast" || key == "slow") << count << " answers: " << key;
    total += count;
  }
  EXPECT_GT(answers["fast"], 0);
  EXPECT_GT(answers["slow"], 0);
  EXPECT_GT(total, 40);
  EXPECT_EQ(parse(service.handle({"GET", "/v1/info", "", {}}))["reloads"], 4);
}

TEST(BackendSlotTest, ReplaceReturnsWhatServedAndCountsReloads) {
  auto a = std::make_shared<FakeBackend>();
  auto b = std::make_shared<FakeBackend>();
  BackendSlot slot(a, "/runs/a");
  const auto before = slot.current();
  EXPECT_EQ(before->backend, a);
  EXPECT_EQ(before->run_dir, "/runs/a");  // the fake's info has no run_dir of its own
  const auto previous = slot.replace(b, "/runs/b");
  EXPECT_EQ(previous->backend, a);
  EXPECT_EQ(slot.current()->backend, b);
  EXPECT_EQ(slot.current()->run_dir, "/runs/b");
  EXPECT_EQ(slot.reloads(), 1);
  EXPECT_EQ(before->backend, a);  // a snapshot taken earlier keeps its backend
  EXPECT_THROW(slot.replace(nullptr, "/runs/c"), std::invalid_argument);
  EXPECT_EQ(slot.current()->backend, b);
}

TEST(ServeOptionsAdminToken, ShortOrSpacedTokensAreRefusedWithoutEchoingThem) {
  const auto parse_serve = [](const std::string& text) {
    return ServeOptions::from_toml(toml::parse(std::string_view(text), std::string_view("r.toml")));
  };
  EXPECT_EQ(parse_serve("admin_token = \"" + kToken + "\"").admin_token, kToken);
  EXPECT_TRUE(parse_serve("").admin_token.empty());
  for (const std::string& bad :
       {std::string("short-secret"), std::string("has space 0123456789")}) {
    try {
      parse_serve("admin_token = \"" + bad + "\"");
      FAIL() << "expected RecipeError for " << bad;
    } catch (const RecipeError& e) {
      EXPECT_NE(std::string(e.what()).find("admin_token"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(parse_serve("admin_token = \"" + kToken + "\"").to_toml().contains("admin_token"));
}

}  // namespace
}  // namespace rubrika::serve
