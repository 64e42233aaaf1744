// Parsing and validating request bodies. Everything a client can get wrong is caught
// here, with the field named: the body's size (413), its UTF-8 (400 with the byte offset,
// found by the JSON parser: the body is scanned once), its JSON syntax (400 with the byte
// offset), unknown or missing fields and wrong types (400), and values that parse but
// cannot be used — empty texts, empty lists, too-long texts under on_long_text = "reject",
// unknown labels, top_k < 1 (422). Too many texts in one request is 413.
#pragma once

#include <rubrika/prediction.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rubrika::serve {

struct RequestLimits {
  int64_t max_body_bytes = 1 << 20;
  int64_t max_texts = 64;           // per request (classify texts, rerank candidates)
  int64_t max_text_chars = 4096;    // Unicode characters
  bool truncate_long_texts = true;  // false: refuse with 422
};

struct ClassifyRequest {
  std::vector<std::string> texts;
  bool single = false;     // the body used "text" rather than "texts"
  PredictOptions options;  // top_k, rerank, timings (= return_timings)
};

struct RerankRequest {
  std::string text;
  std::vector<std::string> candidates;  // label names, in the client's order
};

struct ReloadRequest {
  std::string run;  // the run folder to serve; "" = the folder served now, read again
};

// Checks the size of a raw body; throws PayloadTooLargeError. (Its UTF-8 is checked by the
// JSON parser in parse_classify / parse_rerank.)
void check_body(const std::string& body, const RequestLimits& limits);

// {"texts": [...]} or {"text": "..."}, with optional top_k, rerank, return_timings.
// `default_top_k` applies when top_k is absent.
ClassifyRequest parse_classify(const std::string& body, const RequestLimits& limits,
                               int64_t default_top_k);

// {"text": "...", "candidates": ["label", ...]}; every candidate must be in `labels`.
RerankRequest parse_rerank(const std::string& body, const RequestLimits& limits,
                           const std::vector<std::string>& labels);

// An empty body, or {"run": "/path/to/run_folder"}.
ReloadRequest parse_reload(const std::string& body, const RequestLimits& limits);

}  // namespace rubrika::serve
