// The one process-wide logger. Every line goes to stderr as
//   "2026-11-22 16:20:14.123 INFO  [encoder/bert] loaded 199 tensors"
// Plugins log through this (never to stdout, which belongs to command output such as
// JSON lines). The level comes from RUBRIKA_LOG_LEVEL (debug|info|warn|error|off) or
// set_log_level().
#pragma once

#include <string>
#include <string_view>

namespace rubrika {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_log_level(LogLevel level);
LogLevel log_level();

// Parses "debug", "info", "warn", "error", "off"; throws rubrika::InputError otherwise.
LogLevel parse_log_level(std::string_view name);

// Writes one line if `level` is enabled. `source` is the "[kind/name]" prefix without
// brackets, e.g. "core/registry" or "ood/mahalanobis". Thread-safe.
void log_line(LogLevel level, std::string_view source, std::string_view message);

inline void log_debug(std::string_view source, std::string_view message) {
  log_line(LogLevel::debug, source, message);
}
inline void log_info(std::string_view source, std::string_view message) {
  log_line(LogLevel::info, source, message);
}
inline void log_warn(std::string_view source, std::string_view message) {
  log_line(LogLevel::warn, source, message);
}
inline void log_error(std::string_view source, std::string_view message) {
  log_line(LogLevel::error, source, message);
}

}  // namespace rubrika
