// Running a platform tool (`profiles`, `sw_vers`, `ioreg`, ...) as a child process: no shell, a
// fixed environment, bounded output and a deadline. The device implementations take a
// ProcessRunner, so tests on any platform replace the real tools with a fake.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

struct ProcessRequest {
  // argv[0] is the tool's absolute path; it is executed directly, never through a shell, so no
  // argument is ever interpreted.
  std::vector<std::string> argv;
  std::chrono::milliseconds timeout{30'000};
  // Limit on each of standard output and standard error; a tool that writes more is killed.
  std::size_t max_output_bytes = 16u * 1024 * 1024;
  // "NAME=value" entries added to the fixed environment (PATH, LC_ALL): nothing of the caller's
  // environment leaks into a tool unless named here. The device tools (MacosTools) add none.
  std::vector<std::string> environment;
};

struct ProcessOutput {
  int exit_status = 0;  // the tool's exit status (it exited normally)
  std::string out;
  std::string err;
};

// Runs a tool to completion. A tool that exits with any status is a value (the caller decides what
// a non-zero status means); a tool that cannot be started is ExitCode::kUnavailable; one that runs
// past its timeout or is ended by a signal is killed and ExitCode::kUnavailable; one that writes
// more than the limit is killed and ExitCode::kDataError.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  virtual Result<ProcessOutput> run(const ProcessRequest& request) = 0;
};

// The real runner: posix_spawn in a new process group (a timeout kills the tool and anything it
// started), standard input from /dev/null, and only PATH=/usr/bin:/bin:/usr/sbin:/sbin and
// LC_ALL=C in the environment, so the output is in the format the parsers expect and nothing the
// caller's environment holds (DYLD_*, secrets) reaches the tool.
std::unique_ptr<ProcessRunner> make_posix_process_runner();

// The command line as an error message shows it (arguments quoted when they hold spaces).
std::string describe_command(const std::vector<std::string>& argv);

}  // namespace cmdm::dispatcher
