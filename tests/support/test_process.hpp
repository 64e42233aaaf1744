// Runs a program as a child process and captures what it prints, for black-box CLI tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rubrika::testing {

struct ProcessResult {
  int exit_code = -1;  // exit status, or 128 + signal number
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

// Runs argv[0] with `argv`; `env` entries are added to (or, with an empty value
// "UNSET", removed from) this process's environment for the child.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& working_dir = {});

// A folder of its own for this test process, created on first call: the temporary folder's
// `<prefix>_<pid>` (tests of one binary run side by side under ctest -j).
std::filesystem::path process_work_dir(const std::string& prefix);

// Starts argv[0] with `argv` (output discarded), kills it with SIGKILL as soon as `appears`
// exists or `timeout` has passed, and waits for it: a run interrupted at the worst moment,
// for resume tests. True when the file appeared.
bool run_until_file_appears(const std::vector<std::string>& argv,
                            const std::filesystem::path& appears, std::chrono::seconds timeout);

// A loopback TCP port nobody listens on now (the kernel's choice for a socket bound to port
// 0), for tests that start servers or process groups side by side.
int free_loopback_port();

}  // namespace rubrika::testing
