#include <rubrika/log.hpp>
#include <rubrika/progress.hpp>

#include <unistd.h>

#include <cstdio>

namespace rubrika {

std::string format_duration(double seconds) {
  if (seconds < 0) seconds = 0;
  auto total = static_cast<int64_t>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof(buffer), "%lldh%02lldm", static_cast<long long>(total / 3600),
                  static_cast<long long>(total % 3600 / 60));
  } else if (total >= 60) {
    std::snprintf(buffer, sizeof(buffer), "%lldm%02llds", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  } else {
    std::snprintf(buffer, sizeof(buffer), "%llds", static_cast<long long>(total));
  }
  return buffer;
}

Progress::Progress(std::string source, int64_t total, std::string unit)
    : source_(std::move(source)),
      total_(total > 0 ? total : 1),
      unit_(std::move(unit)),
      tty_(isatty(STDERR_FILENO) == 1 && log_level() <= LogLevel::info),
      start_(std::chrono::steady_clock::now()),
      last_log_time_(start_),
      last_draw_(start_) {}

Progress::~Progress() {
  if (tty_ && !finished_) std::fputc('\n', stderr);
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t done, const std::string& status) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = elapsed_seconds();
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const double eta = done > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    last_draw_ = now;
    const int width = 24;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r[%s] %s %3d%% %lld/%lld %s  %s  ETA %s\x1b[K", source_.c_str(),
                 bar.c_str(), static_cast<int>(fraction * 100), static_cast<long long>(done),
                 static_cast<long long>(total_), unit_.c_str(), status.c_str(),
                 format_duration(eta).c_str());
    std::fflush(stderr);
    return;
  }
  const int64_t decile = done * 10 / total_;
  const bool new_decile = decile > last_logged_;
  const bool slow = now - last_log_time_ >= std::chrono::seconds(30);
  if (!new_decile && !slow) return;
  last_logged_ = decile;
  last_log_time_ = now;
  log_info(source_, std::to_string(done) + "/" + std::to_string(total_) + " " + unit_ + " (" +
                        std::to_string(static_cast<int>(fraction * 100)) + "%) " + status +
                        (done < total_ ? " ETA " + format_duration(eta) : ""));
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  if (tty_) std::fputc('\n', stderr);
  log_info(source_,
           "done in " + format_duration(elapsed_seconds()) + (status.empty() ? "" : ": " + status));
}

}  // namespace rubrika
