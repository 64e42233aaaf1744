// The server's own request and response types, so routes are testable without sockets
// and the HTTP library stays inside http_server.cpp.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rubrika::serve {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/v1/classify", without the query string
  std::string body;    // raw bytes, not yet validated
  std::map<std::string, std::string> headers;
  // When the HTTP layer had the whole request. Its deadline (request_timeout_ms) counts from
  // here, so a wait for a request thread counts too; unset: from when Service::handle began.
  std::chrono::steady_clock::time_point received_at{};
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Retry-After
};

}  // namespace rubrika::serve
