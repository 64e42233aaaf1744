#include <rubrika/serve/routes.hpp>

#include <rubrika/serve/serve_errors.hpp>
#include <rubrika/serve/service.hpp>

namespace rubrika::serve {

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"POST", "/v1/classify", &Service::classify, /*admin=*/false, /*waits=*/true},
      {"POST", "/v1/rerank", &Service::rerank, /*admin=*/false, /*waits=*/true},
      {"GET", "/v1/info", &Service::info},
      {"GET", "/healthz", &Service::healthz},
      {"GET", "/readyz", &Service::readyz},
      {"GET", "/metrics", &Service::metrics},
      {"POST", "/admin/reload", &Service::admin_reload, /*admin=*/true, /*waits=*/true},
  };
  return table;
}

const Route& find_route(const std::string& method, const std::string& path, bool admin_on) {
  std::string allow;
  for (const auto& route : routes()) {
    if (route.path != path || (route.admin && !admin_on)) continue;
    // HEAD is GET without a body (the HTTP layer drops the body).
    if (route.method == method || (method == "HEAD" && route.method == "GET")) return route;
    allow += (allow.empty() ? "" : ", ") + route.method;
  }
  if (!allow.empty())
    throw MethodNotAllowedError(method + " is not allowed on " + path + "; use " + allow, "method",
                                allow);
  std::string known;
  for (const auto& route : routes())
    if (!route.admin || admin_on)
      known += (known.empty() ? "" : ", ") + route.method + " " + route.path;
  throw RouteNotFoundError("no route " + path, "path", "routes: " + known);
}

bool route_waits(const std::string& method, const std::string& path, bool admin_on) {
  for (const auto& route : routes())
    if (route.path == path && route.method == method && (admin_on || !route.admin))
      return route.waits;
  return false;
}

}  // namespace rubrika::serve
