// The ONE routes table: (method, path) → Service method. Unknown paths are 404, known
// paths with another method 405 with an Allow header. Admin routes exist only while the
// server has an admin token ([serve] admin_token); otherwise they are unknown paths.
#pragma once

#include <rubrika/serve/http_types.hpp>

#include <string>
#include <vector>

namespace rubrika::serve {

class Service;

struct Route {
  std::string method;
  std::string path;
  HttpResponse (Service::*handler)(const HttpRequest&);
  bool admin = false;  // only with an admin token (the handler checks the token)
  // Waits for the model or loads a run: runs on a request thread. The others (health,
  // readiness, metrics, info, errors) are answered on the I/O thread that read them, so
  // they never wait behind inference or behind other connections.
  bool waits = false;
};

const std::vector<Route>& routes();

// The route for (method, path), admin routes only when `admin_on`; throws
// RouteNotFoundError or MethodNotAllowedError.
const Route& find_route(const std::string& method, const std::string& path, bool admin_on);

// Whether (method, path) is a route that waits (an unknown one does not: its 404 is quick).
bool route_waits(const std::string& method, const std::string& path, bool admin_on);

}  // namespace rubrika::serve
