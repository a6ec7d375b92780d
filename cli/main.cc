// cmdm's entry point: hand the arguments to the subcommand table.
#include <exception>
#include <iostream>

#include "cli/command.h"

int main(int argc, char** argv) {
  try {
    return cmdm::cli::run_main(cmdm::cli::Args(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "cmdm: internal error: " << e.what() << '\n';
    return 70;
  }
}
