// The HTTP layer's limits through raw loopback sockets (issue 18 items 2, 3 and 5): slow,
// half-sent and idle clients hold no thread and are closed at their deadlines; bodies
// (chunked too) are limited while they are read; pipelined requests are answered in order;
// connection and request-thread limits answer 503 at once; SIGTERM answers every accepted
// connection. Bounds are generous: they assert behaviour, not speed.
#include "raw_connection.hpp"
#include "server_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <future>
#include <memory>
#include <vector>

namespace rubrika::serve::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::unique_ptr<ServerProcess> start_fake(std::vector<std::string> args) {
  args.insert(args.begin(), RUBRIKA_SERVE_FAKE_SERVER);
  return start_ready(args);
}

// GET /healthz on a fresh connection; its status, or -1 when not answered within `wait`.
int healthz_status(const ServerProcess& server, std::chrono::milliseconds wait = 2s) {
  httplib::Client client(server.host(), server.port());
  client.set_connection_timeout(wait);
  client.set_read_timeout(wait);
  auto result = client.Get("/healthz");
  return result ? result->status : -1;
}

int classify_status(const ServerProcess& server, std::chrono::milliseconds wait = 5s) {
  httplib::Client client(server.host(), server.port());
  client.set_connection_timeout(wait);
  client.set_read_timeout(wait);
  auto result = client.Post("/v1/classify", R"({"text": "Продам гараж"})", "application/json");
  return result ? result->status : -1;
}

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kGetHealthz = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

std::vector<std::unique_ptr<RawConnection>> connect_many(const ServerProcess& server, int count) {
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < count; ++i)
    connections.push_back(std::make_unique<RawConnection>(server.host(), server.port()));
  return connections;
}

TEST(ServeHttpLimits, SlowHeaderClientsHoldNoThreadAndAreClosedAtTheHeaderDeadline) {
  auto server = start_fake({"--set", "serve.threads=4", "--set", "serve.header_timeout_ms=1500"});
  auto slow = connect_many(*server, 70);
  for (auto& connection : slow) ASSERT_TRUE(connection->send("GET /healthz HTTP/1.1\r\nHo"));
  EXPECT_EQ(healthz_status(*server), 200);
  EXPECT_EQ(classify_status(*server), 200);
  for (auto& connection : slow) EXPECT_TRUE(connection->closed_within(10s));
  EXPECT_EQ(healthz_status(*server), 200);
}

TEST(ServeHttpLimits, AHalfSentBodyIsClosedAtTheBodyDeadline) {
  auto server = start_fake({"--set", "serve.body_timeout_ms=500"});
  RawConnection half(server->host(), server->port());
  ASSERT_TRUE(
      half.send("POST /v1/classify HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"
                "{\"text\":"));
  EXPECT_EQ(healthz_status(*server), 200);
  EXPECT_TRUE(half.closed_within(10s));
}

TEST(ServeHttpLimits, AnIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  auto server = start_fake({"--set", "serve.keep_alive_timeout_ms=300"});
  RawConnection idle(server->host(), server->port());
  ASSERT_TRUE(idle.send(kGetHealthz));
  auto response = idle.read_response(5s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(idle.closed_within(10s));
}

TEST(ServeHttpLimits, ManyIdleConnectionsDoNotDelayHealth) {
  auto server = start_fake({"--set", "serve.threads=4"});
  auto idle = connect_many(*server, 300);
  for (auto& connection : idle) ASSERT_TRUE(connection->send(kGetHealthz));
  for (auto& connection : idle) ASSERT_TRUE(connection->read_response(10s));  // now kept alive
  EXPECT_EQ(healthz_status(*server), 200);
  EXPECT_EQ(classify_status(*server), 200);
}

TEST(ServeHttpLimits, AChunkedBodyOverTheLimitIs413WhileItIsRead) {
  auto server = start_fake({"--set", "serve.max_body_bytes=1024"});
  RawConnection upload(server->host(), server->port());
  ASSERT_TRUE(
      upload.send("POST /v1/classify HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
                  "\r\n\r\n"));
  // 2 KiB in 512-byte chunks and no final chunk: the answer cannot wait for the end.
  for (int i = 0; i < 4; ++i) upload.send("200\r\n" + std::string(512, 'a') + "\r\n");
  auto response = upload.read_response(5s);
  ASSERT_TRUE(response) << "no answer before the body ended";
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(json::parse(response->body)["error"]["code"], "payload_too_large");
  EXPECT_EQ(response->headers["connection"], "close");
}

TEST(ServeHttpLimits, AContentLengthOverTheLimitIs413BeforeTheBodyIsSent) {
  auto server = start_fake({"--set", "serve.max_body_bytes=1024"});
  RawConnection upload(server->host(), server->port());
  ASSERT_TRUE(
      upload.send("POST /v1/classify HTTP/1.1\r\nHost: t\r\nContent-Length: 300000000"
                  "\r\n\r\n"));
  auto response = upload.read_response(5s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(json::parse(response->body)["error"]["message"].get<std::string>().find("1024"),
            std::string::npos);
}

TEST(ServeHttpLimits, PipelinedRequestsAreAnsweredInOrder) {
  auto server = start_fake({});
  RawConnection pipelined(server->host(), server->port());
  ASSERT_TRUE(pipelined.send(kGetHealthz + post("/v1/classify", R"({"texts": ["a", "b"]})") +
                             "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto first = pipelined.read_response(5s);
  auto second = pipelined.read_response(5s);
  auto third = pipelined.read_response(5s);
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(json::parse(first->body)["status"], "alive");
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(json::parse(second->body)["results"].size(), 2u);
  EXPECT_EQ(third->status, 404);
}

TEST(ServeHttpLimits, TheLastRequestAConnectionMayMakeIsAnsweredWithConnectionClose) {
  auto server = start_fake({"--set", "serve.max_requests_per_connection=2"});
  RawConnection connection(server->host(), server->port());
  ASSERT_TRUE(connection.send(kGetHealthz + kGetHealthz));
  auto first = connection.read_response(5s);
  auto second = connection.read_response(5s);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->headers["connection"], "close");
  EXPECT_EQ(second->headers["connection"], "close");
  EXPECT_TRUE(connection.closed_within(5s));
}

TEST(ServeHttpLimits, AConnectionPastMaxConnectionsGets503AndIsClosed) {
  auto server = start_fake({"--set", "serve.max_connections=3"});
  std::this_thread::sleep_for(300ms);  // the readiness probe's connection has closed
  auto held = connect_many(*server, 3);
  for (auto& connection : held) ASSERT_TRUE(connection->send(kGetHealthz));
  for (auto& connection : held) {
    auto response = connection->read_response(5s);
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
  }
  RawConnection extra(server->host(), server->port());
  auto refused = extra.read_response(5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(json::parse(refused->body)["error"]["code"], "overloaded");
  EXPECT_NE(
      json::parse(refused->body)["error"]["message"].get<std::string>().find("max_connections"),
      std::string::npos);
  EXPECT_TRUE(extra.closed_within(5s));
  held.pop_back();  // one slot frees up
  int status = -1;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(50ms);
    status = healthz_status(*server);
  }
  EXPECT_EQ(status, 200);
}

TEST(ServeHttpLimits, UnreadableRequestsGetJsonErrors) {
  auto server = start_fake({"--set", "serve.max_header_bytes=512"});
  RawConnection garbage(server->host(), server->port());
  ASSERT_TRUE(garbage.send("BLAH BLAH\r\n\r\n"));
  auto bad = garbage.read_response(5s);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["code"], "bad_request");
  RawConnection huge(server->host(), server->port());
  ASSERT_TRUE(huge.send("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(2000, 'x') + "\r\n\r\n"));
  auto too_large = huge.read_response(5s);
  ASSERT_TRUE(too_large);
  EXPECT_EQ(too_large->status, 431);
  EXPECT_EQ(json::parse(too_large->body)["error"]["field"], "headers");
  EXPECT_EQ(healthz_status(*server), 200);
}

TEST(ServeHttpLimits, ModelRequestsPastTheRequestThreadsGet503WhileHealthStaysQuick) {
  auto server = start_fake({"--delay-ms", "3000", "--set", "serve.threads=2", "--set",
                            "serve.max_batch_size=1", "--set", "serve.retry_after_s=2"});
  std::vector<std::future<int>> in_flight;
  for (int i = 0; i < 2; ++i)
    in_flight.push_back(
        std::async(std::launch::async, [&] { return classify_status(*server, 20s); }));
  std::this_thread::sleep_for(500ms);  // both hold a request thread (the first batch takes 3 s)
  EXPECT_EQ(healthz_status(*server, 1s), 200);
  RawConnection extra(server->host(), server->port());
  ASSERT_TRUE(extra.send(post("/v1/classify", R"({"text": "ещё"})")));
  auto refused = extra.read_response(1s);
  ASSERT_TRUE(refused) << "not answered at once";
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->headers["retry-after"], "2");
  for (auto& call : in_flight) EXPECT_EQ(call.get(), 200);
}

// 60 connections have sent a request when SIGTERM comes, 40 more are connected and send
// theirs just after it: the first are served, the others refused with 503 and
// Connection: close; none is dropped without an answer.
TEST(ServeHttpLimits, SigtermAnswersEveryAcceptedConnectionThenExitsZero) {
  auto server = start_fake({"--delay-ms", "200", "--set", "serve.max_batch_size=8"});
  auto early = connect_many(*server, 60);
  auto late = connect_many(*server, 40);
  for (auto& client : early) ASSERT_TRUE(client->send(post("/v1/classify", R"({"text": "x"})")));
  std::this_thread::sleep_for(100ms);
  server->send_signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  for (auto& client : late) client->send(post("/v1/classify", R"({"text": "y"})"));
  for (auto& client : early) {
    auto response = client->read_response(20s);
    ASSERT_TRUE(response) << "a request sent before SIGTERM got no answer";
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->headers["connection"], "close");
  }
  for (auto& client : late) {
    auto response = client->read_response(20s);
    ASSERT_TRUE(response) << "a request sent after SIGTERM got no answer";
    EXPECT_EQ(response->status, 503);
    EXPECT_EQ(response->headers["connection"], "close");
    EXPECT_NE(
        json::parse(response->body)["error"]["message"].get<std::string>().find("shutting down"),
        std::string::npos);
  }
  auto code = server->wait_exit(30s);
  ASSERT_TRUE(code.has_value()) << server->output();
  EXPECT_EQ(*code, 0) << server->output();
}

}  // namespace
}  // namespace rubrika::serve::testing
