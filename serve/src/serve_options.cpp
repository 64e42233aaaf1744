#include <rubrika/serve/serve_options.hpp>

#include <rubrika/error.hpp>
#include <rubrika/options_reader.hpp>

namespace rubrika::serve {
namespace {

constexpr size_t kMinAdminTokenChars = 16;

// Why `token` cannot be an admin token, or "" when it can (empty: the route is off).
std::string admin_token_problem(const std::string& token) {
  if (token.empty()) return "";
  if (token.size() < kMinAdminTokenChars)
    return "is shorter than " + std::to_string(kMinAdminTokenChars) + " characters";
  for (const char c : token)
    if (c <= ' ' || c > '~') return "may hold only printable ASCII characters without spaces";
  return "";
}

}  // namespace

ServeOptions ServeOptions::from_toml(const toml::table& table) {
  OptionsReader in(table, "serve", /*plugin_table=*/false);
  ServeOptions o;
  o.host = in.get_string("host", o.host);
  o.port = in.get_int("port", o.port, 0, 65535);
  o.max_batch_size = in.get_int("max_batch_size", o.max_batch_size, 1, 4096);
  o.max_batch_tokens = in.get_int("max_batch_tokens", o.max_batch_tokens, 1, int64_t{1} << 24);
  o.max_wait_ms = in.get_int("max_wait_ms", o.max_wait_ms, 0, 60000);
  o.queue_capacity = in.get_int("queue_capacity", o.queue_capacity, 1, int64_t{1} << 20);
  o.max_queue_wait_ms = in.get_int("max_queue_wait_ms", o.max_queue_wait_ms, 0, 3600000);
  o.request_timeout_ms = in.get_int("request_timeout_ms", o.request_timeout_ms, 1, 3600000);
  o.max_body_bytes = in.get_int("max_body_bytes", o.max_body_bytes, 64, int64_t{1} << 30);
  o.max_texts_per_request = in.get_int("max_texts_per_request", o.max_texts_per_request, 1, 65536);
  o.max_text_chars = in.get_int("max_text_chars", o.max_text_chars, 1, int64_t{1} << 24);
  o.on_long_text = in.get_enum("on_long_text", o.on_long_text, kLongTextNames);
  o.workers = in.get_int("workers", o.workers, 1, 64);
  o.threads = in.get_int("threads", o.threads, 1, 1024);
  o.io_threads = in.get_int("io_threads", o.io_threads, 1, 64);
  o.max_connections = in.get_int("max_connections", o.max_connections, 1, 1 << 20);
  o.header_timeout_ms = in.get_int("header_timeout_ms", o.header_timeout_ms, 1, 3600000);
  o.body_timeout_ms = in.get_int("body_timeout_ms", o.body_timeout_ms, 1, 3600000);
  o.keep_alive_timeout_ms =
      in.get_int("keep_alive_timeout_ms", o.keep_alive_timeout_ms, 1, 3600000);
  o.send_timeout_ms = in.get_int("send_timeout_ms", o.send_timeout_ms, 1, 3600000);
  o.max_requests_per_connection =
      in.get_int("max_requests_per_connection", o.max_requests_per_connection, 1, 1 << 30);
  o.max_header_bytes = in.get_int("max_header_bytes", o.max_header_bytes, 256, 1 << 20);
  o.retry_after_s = in.get_int("retry_after_s", o.retry_after_s, 0, 3600);
  o.admin_token = in.get_string("admin_token", o.admin_token);
  const std::string token_problem = admin_token_problem(o.admin_token);
  // The message names the rule, never the token.
  if (!token_problem.empty())
    in.fail("admin_token", token_problem, "generate one, e.g. with: openssl rand -hex 32");
  if (o.host.empty())
    in.fail("host", "must not be empty", "use 127.0.0.1 (loopback) or 0.0.0.0 (all interfaces)");
  // A request is queued whole or not at all, so a request larger than the queue could never run.
  if (o.max_texts_per_request > o.queue_capacity)
    in.fail("max_texts_per_request",
            "is larger than queue_capacity (" + std::to_string(o.queue_capacity) + ")",
            "raise queue_capacity or lower max_texts_per_request");
  in.finish();
  return o;
}

toml::table ServeOptions::to_toml() const {
  return toml::table{{"host", host},
                     {"port", port},
                     {"max_batch_size", max_batch_size},
                     {"max_batch_tokens", max_batch_tokens},
                     {"max_wait_ms", max_wait_ms},
                     {"queue_capacity", queue_capacity},
                     {"max_queue_wait_ms", max_queue_wait_ms},
                     {"request_timeout_ms", request_timeout_ms},
                     {"max_body_bytes", max_body_bytes},
                     {"max_texts_per_request", max_texts_per_request},
                     {"max_text_chars", max_text_chars},
                     {"on_long_text", enum_name(kLongTextNames, on_long_text)},
                     {"workers", workers},
                     {"threads", threads},
                     {"io_threads", io_threads},
                     {"max_connections", max_connections},
                     {"header_timeout_ms", header_timeout_ms},
                     {"body_timeout_ms", body_timeout_ms},
                     {"keep_alive_timeout_ms", keep_alive_timeout_ms},
                     {"send_timeout_ms", send_timeout_ms},
                     {"max_requests_per_connection", max_requests_per_connection},
                     {"max_header_bytes", max_header_bytes},
                     {"retry_after_s", retry_after_s}};
}

}  // namespace rubrika::serve
