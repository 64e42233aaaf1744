// The admin route, POST /admin/reload: authorisation, then the reload (reload.hpp).
#include <rubrika/serve/admin_auth.hpp>
#include <rubrika/serve/serve_errors.hpp>
#include <rubrika/serve/service.hpp>

#include <nlohmann/json.hpp>

namespace rubrika::serve {

HttpResponse Service::admin_reload(const HttpRequest& request) {
  // The routes table hides this route without a token, so it answers as an unknown path
  // would and a server without one shows no admin interface; checked again here for
  // callers that reach the method directly (an empty token must never match).
  if (options_.admin_token.empty()) throw RouteNotFoundError("no route " + request.path, "path");
  require_admin_token(request, options_.admin_token);
  const ReloadRequest parsed = parse_reload(request.body, limits_);
  const ReloadResult result = reload(parsed.run);
  const nlohmann::json body = {{"run_dir", result.run_dir},
                               {"run_id", result.run_id},
                               {"previous_run_id", result.previous_run_id},
                               {"load_ms", result.load_ms},
                               {"labels", result.labels}};
  HttpResponse response;
  response.body = body.dump(-1, ' ', /*ensure_ascii=*/false);
  return response;
}

}  // namespace rubrika::serve
