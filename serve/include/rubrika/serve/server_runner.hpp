// The lifecycle shared by `rubrika serve` and the test server: bind, print where to
// reach it, warm up (readyz turns 200), serve until SIGTERM/SIGINT, then drain — stop
// accepting, let in-flight requests finish, stop the batcher — and return 0. SIGHUP
// meanwhile reloads the run folder served now (Service::reload("")) on a thread of its
// own, and its result is logged; serving goes on throughout.
#pragma once

#include <ostream>

namespace rubrika::serve {

class Service;
struct ServeOptions;

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and every thread it starts later,
// so serve_until_signal() can wait for them synchronously. Call first thing in main, before
// any thread (libtorch's pools included) exists.
void block_shutdown_signals();

// Prints "listening on http://HOST:PORT" (the real port when options.port is 0) and a
// curl example to `out`, flushed, then serves. Returns 0 after a clean drain. Throws
// IoError when the address cannot be bound, or what warm-up threw.
int serve_until_signal(Service& service, const ServeOptions& options, std::ostream& out);

}  // namespace rubrika::serve
