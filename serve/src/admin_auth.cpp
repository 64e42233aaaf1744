#include <rubrika/serve/admin_auth.hpp>

#include <rubrika/serve/serve_errors.hpp>

#include <algorithm>
#include <cctype>

namespace rubrika::serve {
namespace {

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The Authorization header's value, or nullptr. HTTP header names are case-insensitive.
const std::string* authorization(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers)
    if (same_name(name, "Authorization")) return &value;
  return nullptr;
}

UnauthorizedError unauthorized(const std::string& problem) {
  return UnauthorizedError(problem, "Authorization",
                           "send the header 'Authorization: Bearer <[serve] admin_token>'");
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the longer string is looked at whatever the content; a length mismatch
  // is folded into the same accumulator instead of returning early.
  const size_t n = std::max(a.size(), b.size());
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    difference = static_cast<unsigned char>(difference | (x ^ y));
  }
  return difference == 0;
}

void require_admin_token(const HttpRequest& request, const std::string& token) {
  const std::string* header = authorization(request);
  if (header == nullptr) throw unauthorized("missing Authorization header");
  const std::string scheme = "Bearer ";
  if (header->size() < scheme.size() || !same_name(header->substr(0, scheme.size()), scheme))
    throw unauthorized("the Authorization header is not a Bearer token");
  if (!constant_time_equal(std::string_view(*header).substr(scheme.size()), token))
    throw unauthorized("wrong admin token");
}

}  // namespace rubrika::serve
