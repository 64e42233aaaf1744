#include <rubrika/serve/serve_errors.hpp>

#include <rubrika/log.hpp>

#include <nlohmann/json.hpp>

namespace rubrika::serve {

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
  return {500, "internal"};
}

HttpResponse error_response(const std::exception& error, int retry_after_s) {
  const ErrorStatus mapped = error_status(error);
  nlohmann::json detail = {{"code", mapped.code}, {"field", nullptr}};
  const auto* known = dynamic_cast<const Error*>(&error);
  if (mapped.status == 500) {
    // Internal details go to the log, not to the client.
    log_warn("serve", std::string("internal error: ") + error.what());
    detail["message"] = "internal server error; see the server log";
  } else if (known != nullptr) {
    std::string message = known->problem();
    if (!known->hint().empty()) message += " (" + known->hint() + ")";
    detail["message"] = message;
    if (!known->where().empty()) detail["field"] = known->where();
  } else {
    detail["message"] = error.what();
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
