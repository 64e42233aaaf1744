#include <rubrika/serve/routes.hpp>

#include <rubrika/serve/serve_errors.hpp>
#include <rubrika/serve/service.hpp>

namespace rubrika::serve {

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"POST", "/v1/classify", &Service::classify}, {"POST", "/v1/rerank", &Service::rerank},
      {"GET", "/v1/info", &Service::info},          {"GET", "/healthz", &Service::healthz},
      {"GET", "/readyz", &Service::readyz},         {"GET", "/metrics", &Service::metrics},
  };
  return table;
}

const Route& find_route(const std::string& method, const std::string& path) {
  std::string allow;
  for (const auto& route : routes()) {
    if (route.path != path) continue;
    // HEAD is GET without a body (the HTTP layer drops the body).
    if (route.method == method || (method == "HEAD" && route.method == "GET")) return route;
    allow += (allow.empty() ? "" : ", ") + route.method;
  }
  if (!allow.empty())
    throw MethodNotAllowedError(method + " is not allowed on " + path + "; use " + allow, "method",
                                allow);
  std::string known;
  for (const auto& route : routes())
    known += (known.empty() ? "" : ", ") + route.method + " " + route.path;
  throw RouteNotFoundError("no route " + path, "path", "routes: " + known);
}

}  // namespace rubrika::serve
