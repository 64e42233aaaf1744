// ServeOptions: the recipe's [serve] table — where the server listens, how it batches,
// and the limits that keep one client from taking it down.
#pragma once

#include <rubrika/enum_names.hpp>

#include <toml++/toml.h>

#include <cstdint>
#include <string>

namespace rubrika::serve {

// What happens to a text longer than max_text_chars.
enum class LongText { truncate, reject };
inline constexpr EnumName<LongText> kLongTextNames[] = {{"truncate", LongText::truncate},
                                                        {"reject", LongText::reject}};

struct ServeOptions {
  std::string host = "127.0.0.1";  // bind address; loopback unless told otherwise
  int64_t port = 8080;             // TCP port; 0 picks a free one (printed on start)
  int64_t max_batch_size = 32;     // a batch closes at this many texts ...
  int64_t max_batch_tokens =
      8192;                 // ... or when the padded size (longest × count) would pass this ...
  int64_t max_wait_ms = 0;  // ... or this long after its oldest text arrived
  int64_t queue_capacity = 1024;  // texts waiting for a batch; beyond it requests get 503
  // A request whose work plus the work queued ahead would take longer than this (at the
  // recent batches' speed) gets 503 at once; 0: off (queue_capacity only).
  int64_t max_queue_wait_ms = 0;
  int64_t request_timeout_ms = 30000;          // a request not answered by then gets 504
  int64_t max_body_bytes = 1 << 20;            // larger request bodies get 413
  int64_t max_texts_per_request = 64;          // more texts in one request get 413
  int64_t max_text_chars = 4096;               // longer texts (in Unicode characters) are ...
  LongText on_long_text = LongText::truncate;  // ... cut ("truncate") or refused, 422 ("reject")
  int64_t workers = 1;                         // inference threads taking batches from the queue
  // Requests computed at once: each classify, rerank or reload waiting for the model holds
  // one request thread; beyond it a model request gets 503 at once (never a wait).
  int64_t threads = 64;
  // The HTTP layer (http_server.hpp): event-driven, so a slow or idle client holds no thread.
  int64_t io_threads = 2;                       // threads reading and writing every connection
  int64_t max_connections = 1024;               // open connections; beyond it: 503, then closed
  int64_t header_timeout_ms = 10000;            // first byte of a request → end of its header
  int64_t body_timeout_ms = 30000;              // end of the header → end of the body
  int64_t keep_alive_timeout_ms = 5000;         // an idle connection between requests is closed
  int64_t send_timeout_ms = 30000;              // a client not reading its answer is dropped
  int64_t max_requests_per_connection = 10000;  // then the answer says Connection: close
  int64_t max_header_bytes = 16384;             // request line + headers; beyond it: 431
  int64_t retry_after_s = 1;                    // the Retry-After header sent with 503
  // Turns on POST /admin/reload for clients sending `Authorization: Bearer <admin_token>`;
  // empty (the default): the route is off and answers 404. At least 16 printable ASCII
  // characters without spaces. A secret: to_toml() leaves it out, /v1/info never shows it.
  std::string admin_token;

  // Reads [serve]; unknown keys and out-of-range values are RecipeErrors with file:line:col.
  // Cross-field rules (max_texts_per_request ≤ queue_capacity) are checked here too.
  static ServeOptions from_toml(const toml::table& table);
  // Every option except admin_token.
  toml::table to_toml() const;
};

}  // namespace rubrika::serve
