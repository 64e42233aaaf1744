// rubrika::Error and its subclasses: the only way library code reports failure.
//
// Every error says three things: what went wrong, where (file:line:col, a CSV row,
// a JSON field, a plugin file), and how to fix it when there is an obvious fix.
// Library code throws; it never aborts and never logs-and-returns-null. The CLI
// maps each subclass to an exit code (apps/cli/exit_codes.hpp) and the server to
// an HTTP status, each in one place.
#pragma once

#include <stdexcept>
#include <string>

namespace rubrika {

// Base of every rubrika error. what() is the full one-line message:
// "<where>: <what> (<hint>)" with empty parts left out.
class Error : public std::runtime_error {
 public:
  Error(std::string what, std::string where = {}, std::string hint = {});

  const std::string& problem() const { return problem_; }  // what went wrong
  const std::string& where() const { return where_; }      // file:line:col, row, field...
  const std::string& hint() const { return hint_; }        // how to fix; may be empty

  // Short machine-readable category name: "recipe", "plugin", "artifact", "input", "io".
  virtual const char* category() const { return "error"; }

 private:
  std::string problem_;
  std::string where_;
  std::string hint_;
};

// A recipe (or a --set override) is malformed: bad syntax, unknown key, wrong type or value.
class RecipeError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "recipe"; }
};

// A plugin cannot be found, loaded, or is incompatible with this build.
class PluginError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "plugin"; }
};

// A run folder or model artifact is missing, incomplete, corrupt or of a newer format.
class ArtifactError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "artifact"; }
};

// User data is unusable: malformed CSV/JSON, invalid UTF-8, unknown label, bad request field.
class InputError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "input"; }
};

// The operating system refused: a file cannot be opened, read, written or renamed.
class IoError : public Error {
 public:
  using Error::Error;
  const char* category() const override { return "io"; }
};

// Rethrows the exception in flight with `context` prepended to its problem, keeping its
// subclass, so "loading encoder: missing weight ..." reads top-down. Call only inside catch.
[[noreturn]] void rethrow_with_context(const std::string& context);

}  // namespace rubrika
