// Runs a program as a child process and captures what it prints, for black-box CLI tests.
#pragma once

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

// A loopback TCP port nobody listens on now (the kernel's choice for a socket bound to port
// 0), for tests that start servers or process groups side by side.
int free_loopback_port();

}  // namespace rubrika::testing
