// Progress: a progress bar on a terminal, plain periodic log lines otherwise.
//
//   Progress bar("classifier", total_steps, "step");
//   bar.update(step, "loss 0.412 lr 1.9e-05 41.3 ex/s");
//   bar.finish("done");
//
// On a TTY (stderr) it redraws one line with percentage and ETA; when stderr is a file or
// pipe it logs a line every 10% or every 30 s, whichever comes first, so CI logs stay short.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace rubrika {

class Progress {
 public:
  Progress(std::string source, int64_t total, std::string unit);
  ~Progress();

  // `done` items of `total`; `status` is appended to the line.
  void update(int64_t done, const std::string& status = {});
  void finish(const std::string& status = {});

  double elapsed_seconds() const;

 private:
  std::string source_;
  int64_t total_;
  std::string unit_;
  bool tty_;
  bool finished_ = false;
  int64_t last_logged_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_log_time_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Seconds formatted as "1h02m", "3m07s" or "12s".
std::string format_duration(double seconds);

}  // namespace rubrika
