#include <rubrika/serve/serve_errors.hpp>

#include <rubrika/log.hpp>
#include <rubrika/prediction.hpp>
#include <rubrika/text/utf8.hpp>

#include <nlohmann/json.hpp>

namespace rubrika::serve {
namespace {

// Enough for any message of ours with the input it names; ~200 bytes of that input at most.
constexpr size_t kMaxQuotedBytes = 256;

}  // namespace

ErrorStatus error_status(const std::exception& error) {
  // Most derived classes first: BadRequestError and PayloadTooLargeError are InputErrors.
  if (dynamic_cast<const BadRequestError*>(&error)) return {400, "bad_request"};
  if (dynamic_cast<const PayloadTooLargeError*>(&error)) return {413, "payload_too_large"};
  if (dynamic_cast<const InputError*>(&error)) return {422, "unprocessable"};
  if (dynamic_cast<const RouteNotFoundError*>(&error)) return {404, "not_found"};
  if (dynamic_cast<const MethodNotAllowedError*>(&error)) return {405, "method_not_allowed"};
  if (dynamic_cast<const OverloadError*>(&error)) return {503, "overloaded"};
  if (dynamic_cast<const DeadlineError*>(&error)) return {504, "deadline_exceeded"};
  if (dynamic_cast<const NotAvailableError*>(&error)) return {501, "not_available"};
  if (dynamic_cast<const UnauthorizedError*>(&error)) return {401, "unauthorized"};
  if (dynamic_cast<const ConflictError*>(&error)) return {409, "conflict"};
  if (dynamic_cast<const ReloadFailedError*>(&error)) return {422, "reload_failed"};
  if (dynamic_cast<const ModelOutputError*>(&error)) return {500, "model_output"};
  return {500, "internal"};
}

HttpResponse error_response(const std::exception& error, int retry_after_s) {
  const ErrorStatus mapped = error_status(error);
  nlohmann::json detail = {{"code", mapped.code}, {"field", nullptr}};
  const auto* known = dynamic_cast<const Error*>(&error);
  if (mapped.code == "internal") {
    // Internal details go to the log, not to the client.
    log_warn("serve", std::string("internal error: ") + error.what());
    detail["message"] = "internal server error; see the server log";
  } else if (known != nullptr) {
    // The problem and the field may quote the client's input (a malformed token, an unknown
    // field name): clipped, so a bad megabyte is not sent back.
    std::string message = utf8::clip(known->problem(), kMaxQuotedBytes);
    if (!known->hint().empty()) message += " (" + known->hint() + ")";
    detail["message"] = message;
    if (!known->where().empty()) detail["field"] = utf8::clip(known->where(), kMaxQuotedBytes);
  } else {
    detail["message"] = utf8::clip(error.what(), kMaxQuotedBytes);
  }
  HttpResponse response;
  response.status = mapped.status;
  // Invalid UTF-8 never reaches a message (inputs are validated first), but replace
  // rather than throw if it ever does: an error response must not fail.
  response.body = nlohmann::json{{"error", detail}}.dump(-1, ' ', false,
                                                         nlohmann::json::error_handler_t::replace);
  if (mapped.status == 503)
    response.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  if (mapped.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (const auto* method = dynamic_cast<const MethodNotAllowedError*>(&error))
    response.headers.emplace_back("Allow", method->allow());
  return response;
}

}  // namespace rubrika::serve
