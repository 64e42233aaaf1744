#include <rubrika/utc_time.hpp>

#include <ctime>

namespace rubrika {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);  // thread-safe, unlike std::gmtime
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

}  // namespace rubrika
