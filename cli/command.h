// The subcommand table and the helpers every subcommand shares (option parsing, printing errors).
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::cli {

using Args = std::vector<std::string>;

// One row of the subcommand table: `cmdm help` prints name and summary.
struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args& args);
};

// The table (cli/commands.cc), in the order `cmdm help` lists it.
const std::vector<Command>& commands();

// One option of a command, as its --help lists it.
struct OptionSpec {
  std::string long_name;    // "target"
  std::string short_name;   // "o", or empty
  std::string value;        // what it takes ("arg"), empty for a flag
  std::string description;  // the --help text
};

// What a command accepts, read from the option table its --help prints (the command is run in a
// mode where parse_options records the table and stops). Man pages and shell completions are
// generated from this, so they cannot drift from --help.
struct CommandSpec {
  std::string synopsis;               // after "cmdm NAME "
  std::vector<OptionSpec> options;    // in --help order, --help last; positionals left out
  std::vector<std::string> operands;  // the positional arguments' names ("files")
};
CommandSpec describe_command(const Command& command);

// Dispatches argv[1..] to a subcommand; returns the process exit code.
int run_main(const Args& args);

namespace po = boost::program_options;

// Parses a subcommand's arguments. Returns an exit code when the caller should stop (0 after
// --help, 2 after a usage error, already printed), nullopt to go on.
std::optional<int> parse_options(const char* name, const char* synopsis,
                                 const po::options_description& options,
                                 const po::positional_options_description& positional,
                                 const Args& args, po::variables_map& vm);

// Prints an Error's diagnostics to stderr and returns its exit code.
int report(const Error& error);

// The same, except that a usage error about the command line (no file) prints as usage_error does:
// one way for every command to say that an option is wrong.
int report(const char* name, const Error& error);

// Prints a usage error ("cmdm NAME: message") and returns 2.
int usage_error(const char* name, const std::string& message);

}  // namespace cmdm::cli
