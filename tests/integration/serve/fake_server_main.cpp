// A test-only server: the real Service, HTTP adapter and lifecycle over a fake backend,
// so socket-level behaviour (overload, limits, SIGTERM drain) is tested without a model.
//
//   rubrika_serve_fake_server [--delay-ms N] [--run NAME] [--slow-load-ms N]
//                             [--set serve.key=value ...]
//
// Listens on an ephemeral loopback port unless --set serve.port=... says otherwise and
// prints "listening on http://127.0.0.1:PORT" like `rubrika serve`. Reloads (POST
// /admin/reload with --set serve.admin_token=..., SIGHUP) load fake run folders through
// FakeRunLoader (fake_backends.hpp); --run NAME starts on one of those instead of the plain
// fake, --slow-load-ms is how long a "slow..." folder takes to load, and --delay-ms applies
// to every backend.
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
    int64_t delay_ms = 0, slow_load_ms = 0;
    std::string run;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--delay-ms" && i + 1 < argc) {
        delay_ms = std::stoll(argv[++i]);
      } else if (arg == "--slow-load-ms" && i + 1 < argc) {
        slow_load_ms = std::stoll(argv[++i]);
      } else if (arg == "--run" && i + 1 < argc) {
        run = argv[++i];
      } else if (arg == "--set" && i + 1 < argc) {
        rubrika::apply_override(recipe, argv[++i]);
      } else {
        std::cerr << "usage: rubrika_serve_fake_server [--delay-ms N] [--run NAME] "
                     "[--slow-load-ms N] [--set serve.key=value ...]\n";
        return 2;
      }
    }
    const ServeOptions options = ServeOptions::from_toml(*recipe["serve"].as_table());
    testing::FakeRunLoader loader(slow_load_ms, delay_ms);
    std::shared_ptr<InferenceBackend> backend;
    if (run.empty()) {
      auto plain = std::make_shared<testing::FakeBackend>();
      plain->set_delay_ms(delay_ms);
      backend = plain;
    } else {
      backend = loader.load(run);
    }
    Service service(backend, options, loader.loader());
    return serve_until_signal(service, options, std::cout);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
