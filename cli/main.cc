// cmdm's entry point: hand the arguments to the subcommand table.
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "plist/file_io.h"

namespace {

// SIGTERM (CI cancel, `timeout`) and SIGINT (Ctrl-C): while a writer has files on disk to finish
// or undo, it stops at its next check and cleans up; otherwise nothing needs undoing and the
// process ends here. Either way the exit status is 128 + the signal, as a shell reports it.
extern "C" void on_stop_signal(int sig) {
  if (!cmdm::defer_interrupt(sig)) ::_exit(128 + sig);
}

void handle_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read or open returns EINTR and sees the flag
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
}

// Installed (or linked) under the name `profiles`, the binary is the front end: callers that run
// `profiles` by a relative path, or on macOS 10.15 and older, reach it without knowing cmdm.
bool invoked_as_profiles(const char* argv0) {
  const char* slash = std::strrchr(argv0, '/');
  return std::strcmp(slash == nullptr ? argv0 : slash + 1, "profiles") == 0;
}

}  // namespace

int main(int argc, char** argv) {
  handle_stop_signals();
  try {
    cmdm::cli::Args args(argv + 1, argv + argc);
    int code = argc > 0 && invoked_as_profiles(argv[0]) ? cmdm::cli::run_profiles(args)
                                                        : cmdm::cli::run_main(args);
    if (int sig = cmdm::interrupt_signal()) return 128 + sig;
    // A report that could not be written (a full disk, a closed pipe) is an I/O error.
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "cmdm: cannot write standard output\n";
      return code == 0 ? 74 : code;
    }
    return code;
  } catch (const std::exception& e) {
    std::cerr << "cmdm: internal error: " << e.what() << '\n';
    return 70;
  }
}
