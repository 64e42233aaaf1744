// RawConnection: a TCP client that sends exactly the bytes a test gives it — a header cut
// in half, a body slower than a deadline, two pipelined requests — and reads what the
// server answers, with timeouts. For the HTTP layer's limits, which a well-behaved HTTP
// client library cannot exercise.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace rubrika::serve::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class RawConnection {
 public:
  // Connects to host:port; throws std::runtime_error when it cannot.
  RawConnection(const std::string& host, int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends all of `bytes`; false when the server has closed or reset the connection.
  bool send(const std::string& bytes);
  // The next complete response (Content-Length framed), or nullopt when the connection
  // closes or `timeout` passes first.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout);
  // Whether the server closes the connection within `timeout` (bytes it sends meanwhile
  // are kept for read_response).
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  // Reads what is there within `timeout` into buffer_; false on close, reset or timeout.
  bool read_more(std::chrono::milliseconds timeout);
  std::optional<RawResponse> parse_buffered();

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace rubrika::serve::testing
