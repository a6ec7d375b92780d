// cmdm's entry point: hand the arguments to the subcommand table.
#include <exception>
#include <iostream>

#include "cli/command.h"

int main(int argc, char** argv) {
  try {
    int code = cmdm::cli::run_main(cmdm::cli::Args(argv + 1, argv + argc));
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
