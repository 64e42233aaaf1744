// The ONE routes table: (method, path) → Service method. Unknown paths are 404, known
// paths with another method 405 with an Allow header.
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
};

const std::vector<Route>& routes();

// The route for (method, path); throws RouteNotFoundError or MethodNotAllowedError.
const Route& find_route(const std::string& method, const std::string& path);

}  // namespace rubrika::serve
