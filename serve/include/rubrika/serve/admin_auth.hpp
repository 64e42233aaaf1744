// Who may call the admin route (POST /admin/reload): a client that sends
// `Authorization: Bearer <[serve] admin_token>`.
//
// A shared token rather than "from loopback only": the server often binds loopback behind
// a reverse proxy, and then every outside request arrives from 127.0.0.1 too, so the peer
// address proves nothing about who is asking. The token is compared in constant time
// (the time taken does not depend on how much of a guess is right).
#pragma once

#include <rubrika/serve/http_types.hpp>

#include <string>
#include <string_view>

namespace rubrika::serve {

// Whether `a` and `b` are equal, in a time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// Throws UnauthorizedError (401) unless `request` carries `Authorization: Bearer <token>`
// (header name in any case). `token` must not be empty.
void require_admin_token(const HttpRequest& request, const std::string& token);

}  // namespace rubrika::serve
