// A test-only server: the real Service, HTTP adapter and lifecycle over a fake backend,
// so socket-level behaviour (overload, limits, SIGTERM drain) is tested without a model.
//
//   rubrika_serve_fake_server [--delay-ms N] [--set serve.key=value ...]
//
// Listens on an ephemeral loopback port unless --set serve.port=... says otherwise and
// prints "listening on http://127.0.0.1:PORT" like `rubrika serve`.
#include <rubrika/serve/server_runner.hpp>
#include <rubrika/serve/service.hpp>
#include "fake_backends.hpp"

#include <rubrika/recipe.hpp>

#include <iostream>

int main(int argc, char** argv) {
  using namespace rubrika::serve;
  block_shutdown_signals();  // before any thread starts
  try {
    toml::table recipe{{"serve", toml::table{{"port", 0}}}};
    int64_t delay_ms = 0;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--delay-ms" && i + 1 < argc) {
        delay_ms = std::stoll(argv[++i]);
      } else if (arg == "--set" && i + 1 < argc) {
        rubrika::apply_override(recipe, argv[++i]);
      } else {
        std::cerr
            << "usage: rubrika_serve_fake_server [--delay-ms N] [--set serve.key=value ...]\n";
        return 2;
      }
    }
    const ServeOptions options = ServeOptions::from_toml(*recipe["serve"].as_table());
    testing::FakeBackend backend;
    backend.set_delay_ms(delay_ms);
    Service service(backend, options);
    return serve_until_signal(service, options, std::cout);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
