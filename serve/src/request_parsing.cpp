#include <rubrika/serve/request_parsing.hpp>

#include <rubrika/serve/serve_errors.hpp>
#include <rubrika/text/utf8.hpp>

#include <rubrika/options_reader.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace rubrika::serve {
namespace {

using nlohmann::json;

std::string json_type(const json& value) { return value.type_name(); }

// Parses a body within the size limit into a JSON object. The parser is the one UTF-8
// check of the body: it rejects ill-formed UTF-8 inside strings, and bytes outside strings
// are not JSON at all.
json parse_object(const std::string& body, const RequestLimits& limits) {
  check_body(body, limits);
  json value;
  try {
    value = json::parse(body);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based: the byte after the last one read.
    const size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    if (std::string(e.what()).find("ill-formed UTF-8") != std::string::npos)
      throw BadRequestError("invalid UTF-8 at byte offset " + std::to_string(offset), "body",
                            "encode the body as UTF-8");
    throw BadRequestError("malformed JSON at byte offset " + std::to_string(offset) + ": " +
                              std::string(e.what()).substr(std::string(e.what()).find(':') + 2),
                          "body", "send a JSON object, e.g. {\"texts\": [\"...\"]}");
  }
  if (!value.is_object())
    throw BadRequestError("the body must be a JSON object, got " + json_type(value), "body",
                          "send a JSON object, e.g. {\"texts\": [\"...\"]}");
  return value;
}

void reject_unknown_fields(const json& body, const std::vector<std::string>& known) {
  for (const auto& item : body.items()) {
    if (std::find(known.begin(), known.end(), item.key()) != known.end()) continue;
    const std::string suggestion = closest_match(item.key(), known);
    std::string list;
    for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
    throw BadRequestError(
        "unknown field", item.key(),
        suggestion.empty() ? "known fields: " + list : "did you mean \"" + suggestion + "\"?");
  }
}

bool blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
}

// A text field: a non-blank string within max_text_chars (or truncated to it).
std::string read_text(const json& value, const std::string& field, const RequestLimits& limits) {
  if (!value.is_string())
    throw BadRequestError("expected a string, got " + json_type(value), field);
  std::string text = value.get<std::string>();
  if (blank(text))
    throw InputError("the text is empty or only whitespace", field, "send some text");
  const size_t chars = utf8::length(text);
  if (static_cast<int64_t>(chars) > limits.max_text_chars) {
    if (!limits.truncate_long_texts)
      throw InputError(
          "the text has " + std::to_string(chars) + " characters, more than the limit of " +
              std::to_string(limits.max_text_chars),
          field, "shorten it, or ask the operator to set serve.on_long_text = \"truncate\"");
    text = utf8::prefix(text, static_cast<size_t>(limits.max_text_chars));
  }
  return text;
}

// A non-empty array of strings within max_texts.
const json& read_list(const json& body, const std::string& field, const RequestLimits& limits) {
  const json& list = body.at(field);
  if (!list.is_array())
    throw BadRequestError("expected an array of strings, got " + json_type(list), field);
  if (list.empty()) throw InputError("the list is empty", field, "send at least one item");
  if (static_cast<int64_t>(list.size()) > limits.max_texts)
    throw PayloadTooLargeError("the list has " + std::to_string(list.size()) +
                                   " items, more than the limit of " +
                                   std::to_string(limits.max_texts),
                               field, "split it into several requests");
  return list;
}

void read_options(const json& body, PredictOptions& options) {
  if (body.contains("top_k")) {
    const json& value = body["top_k"];
    if (!value.is_number_integer())
      throw BadRequestError("expected an integer, got " + json_type(value), "top_k");
    if (value.get<int64_t>() < 1) throw InputError("must be at least 1", "top_k");
    options.top_k = value.get<int64_t>();
  }
  if (body.contains("rerank")) {
    const json& value = body["rerank"];
    if (!value.is_string())
      throw BadRequestError("expected a string, got " + json_type(value), "rerank");
    const std::string mode = value.get<std::string>();
    if (mode == "auto")
      options.rerank = RerankMode::automatic;
    else if (mode == "always")
      options.rerank = RerankMode::always;
    else if (mode == "never")
      options.rerank = RerankMode::never;
    else
      throw InputError("'" + mode + "' is not one of: auto, always, never", "rerank");
  }
  if (body.contains("return_timings")) {
    const json& value = body["return_timings"];
    if (!value.is_boolean())
      throw BadRequestError("expected true or false, got " + json_type(value), "return_timings");
    options.timings = value.get<bool>();
  }
}

}  // namespace

void check_body(const std::string& body, const RequestLimits& limits) {
  if (static_cast<int64_t>(body.size()) > limits.max_body_bytes)
    throw PayloadTooLargeError("the body has " + std::to_string(body.size()) +
                                   " bytes, more than the limit of " +
                                   std::to_string(limits.max_body_bytes),
                               "body", "send fewer or shorter texts per request");
}

ClassifyRequest parse_classify(const std::string& body, const RequestLimits& limits,
                               int64_t default_top_k) {
  const json value = parse_object(body, limits);
  reject_unknown_fields(value, {"texts", "text", "top_k", "rerank", "return_timings"});
  ClassifyRequest request;
  request.options.top_k = default_top_k;
  const bool has_texts = value.contains("texts"), has_text = value.contains("text");
  if (has_texts && has_text)
    throw BadRequestError("give either \"text\" or \"texts\", not both", "text");
  if (!has_texts && !has_text)
    throw BadRequestError("missing field", "texts",
                          "send {\"texts\": [\"...\"]} or {\"text\": \"...\"}");
  if (has_text) {
    request.single = true;
    request.texts.push_back(read_text(value["text"], "text", limits));
  } else {
    const json& list = read_list(value, "texts", limits);
    for (size_t i = 0; i < list.size(); ++i)
      request.texts.push_back(read_text(list[i], "texts[" + std::to_string(i) + "]", limits));
  }
  read_options(value, request.options);
  return request;
}

RerankRequest parse_rerank(const std::string& body, const RequestLimits& limits,
                           const std::vector<std::string>& labels) {
  const json value = parse_object(body, limits);
  reject_unknown_fields(value, {"text", "candidates"});
  if (!value.contains("text")) throw BadRequestError("missing field", "text");
  if (!value.contains("candidates"))
    throw BadRequestError("missing field", "candidates",
                          "list label names: {\"candidates\": [\"...\"]}");
  RerankRequest request;
  request.text = read_text(value["text"], "text", limits);
  const json& list = read_list(value, "candidates", limits);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string field = "candidates[" + std::to_string(i) + "]";
    if (!list[i].is_string())
      throw BadRequestError("expected a string, got " + json_type(list[i]), field);
    std::string label = list[i].get<std::string>();
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) {
      const std::string suggestion = closest_match(label, labels);
      throw InputError("unknown label '" + label + "'", field,
                       suggestion.empty() ? "GET /v1/info lists the labels"
                                          : "did you mean '" + suggestion + "'?");
    }
    request.candidates.push_back(std::move(label));
  }
  return request;
}

ReloadRequest parse_reload(const std::string& body, const RequestLimits& limits) {
  ReloadRequest request;
  if (blank(body)) return request;  // no body: read the folder served now again
  const json value = parse_object(body, limits);
  reject_unknown_fields(value, {"run"});
  if (!value.contains("run")) return request;
  const json& run = value["run"];
  if (!run.is_string()) throw BadRequestError("expected a string, got " + json_type(run), "run");
  request.run = run.get<std::string>();
  if (blank(request.run))
    throw InputError("the run folder is empty", "run",
                     "give a run folder, or send no body to reload the one served now");
  return request;
}

}  // namespace rubrika::serve
