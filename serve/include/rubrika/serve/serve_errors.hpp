// Errors the server raises on top of rubrika's own, and the ONE mapping from any error
// to an HTTP status and JSON body:
//
//   BadRequestError (malformed JSON, invalid UTF-8, wrong type, missing field)  400
//   InputError (well-formed but unusable: empty text, unknown label, bad value) 422
//   PayloadTooLargeError (body bytes, texts per request)                        413
//   RouteNotFoundError 404 · MethodNotAllowedError 405 (with Allow)
//   OverloadError (queue full, draining) 503 with Retry-After
//   DeadlineError (request_timeout_ms passed) 504 · NotAvailableError 501
//   UnauthorizedError (admin route, missing or wrong token) 401 with WWW-Authenticate
//   ConflictError (a reload is already running) 409
//   ReloadFailedError (the new run did not load or warm up; the old one serves on) 422
//   ModelOutputError (the model's output for a text was NaN or infinite) 500 model_output
//   anything else 500 (the message is logged; the client sees a generic one)
//
// Every error body is {"error": {"code", "message", "field"}}; `field` is Error::where()
// (a JSON field such as "texts[2]", or "body"), null when not about one field.
#pragma once

#include <rubrika/serve/http_types.hpp>

#include <rubrika/error.hpp>

#include <exception>
#include <string>

namespace rubrika::serve {

class BadRequestError : public InputError {
 public:
  using InputError::InputError;
};

class PayloadTooLargeError : public InputError {
 public:
  using InputError::InputError;
};

class RouteNotFoundError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "route"; }
};

class MethodNotAllowedError : public Error {
 public:
  MethodNotAllowedError(std::string what, std::string where, std::string allow)
      : Error(std::move(what), std::move(where)), allow_(std::move(allow)) {}
  const std::string& allow() const { return allow_; }  // value of the Allow header
  const char* category() const override { return "route"; }

 private:
  std::string allow_;
};

class OverloadError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "overload"; }
};

class DeadlineError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "deadline"; }
};

// The request is valid but this pipeline cannot serve it (e.g. /v1/rerank without a reranker).
class NotAvailableError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "not_available"; }
};

// The admin route was called without the right `Authorization: Bearer <token>`.
class UnauthorizedError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "unauthorized"; }
};

// The request conflicts with work in progress (a second reload while one runs).
class ConflictError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "conflict"; }
};

// A reload could not load or warm up its run; the message carries the loader's own
// (e.g. the ArtifactError with the path). The backend served before keeps serving.
class ReloadFailedError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "reload"; }
};

struct ErrorStatus {
  int status;        // HTTP status
  std::string code;  // machine-readable: "bad_request", "overloaded", ...
};

// The one error → status mapping.
ErrorStatus error_status(const std::exception& error);

// A complete JSON error response for `error` (status, body, Retry-After / Allow headers).
HttpResponse error_response(const std::exception& error, int retry_after_s);

}  // namespace rubrika::serve
