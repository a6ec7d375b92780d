// Subcommand dispatch, option parsing and error printing shared by all subcommands.
#include "cli/command.h"

#include <algorithm>
#include <iostream>

#include "plist/suggest.h"

#ifndef CMDM_VERSION
#define CMDM_VERSION "0.0.0"
#endif

namespace cmdm::cli {

namespace {

void print_help(std::ostream& out) {
  out << "cmdm — compile, shrink, split, sign and ship configuration profiles\n\n"
         "usage: cmdm <command> [options] [args]\n\ncommands:\n";
  std::size_t width = 0;
  for (const Command& c : commands()) width = std::max(width, std::string(c.name).size());
  for (const Command& c : commands()) {
    std::string name = c.name;
    out << "  " << name << std::string(width - name.size() + 2, ' ') << c.summary << '\n';
  }
  out << "\nRun 'cmdm <command> --help' for a command's options.\n"
         "Exit codes: 0 ok, 1 check failed, 2 usage, 65 bad input, 69 MDM unavailable,\n"
         "70 internal error, 74 I/O error.\n";
}

}  // namespace

int run_main(const Args& args) {
  if (args.empty()) {
    print_help(std::cerr);
    return 2;
  }
  const std::string& name = args[0];
  if (name == "--version" || name == "version") {
    std::cout << "cmdm " << CMDM_VERSION << '\n';
    return 0;
  }
  if (name == "help" || name == "--help" || name == "-h") {
    if (args.size() > 1) {
      for (const Command& c : commands()) {
        if (args[1] == c.name) return c.run({"--help"});
      }
    }
    print_help(std::cout);
    return 0;
  }
  for (const Command& c : commands()) {
    if (name == c.name) return c.run(Args(args.begin() + 1, args.end()));
  }
  std::vector<std::string> names;
  for (const Command& c : commands()) names.emplace_back(c.name);
  std::cerr << "cmdm: unknown command '" << name << "'";
  std::vector<std::string> close = closest_matches(name, names);
  if (!close.empty()) {
    std::cerr << "; did you mean";
    for (std::size_t i = 0; i < close.size(); ++i) {
      std::cerr << (i == 0 ? " '" : i + 1 == close.size() ? "' or '" : "', '") << close[i];
    }
    std::cerr << "'?";
  }
  std::cerr << "\nRun 'cmdm help' for the list of commands.\n";
  return 2;
}

std::optional<int> parse_options(const char* name, const char* synopsis,
                                 const po::options_description& options,
                                 const po::positional_options_description& positional,
                                 const Args& args, po::variables_map& vm) {
  po::options_description all;
  all.add(options);
  all.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      // Positional arguments are shown in the synopsis, not as --options.
      std::vector<std::string> positional_names;
      for (unsigned i = 0; i < std::min(positional.max_total_count(), 8u); ++i) {
        positional_names.push_back(positional.name_for_position(i));
      }
      po::options_description visible(std::string(name) + " options");
      for (const auto& option : options.options()) {
        if (std::find(positional_names.begin(), positional_names.end(), option->long_name()) ==
            positional_names.end()) {
          visible.add(option);
        }
      }
      visible.add_options()("help,h", "show this help");
      std::cout << "usage: cmdm " << name << ' ' << synopsis << "\n\n" << visible << '\n';
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(name, e.what());
  }
  return std::nullopt;
}

int report(const Error& error) {
  std::cerr << error.format();
  return static_cast<int>(error.code);
}

int usage_error(const char* name, const std::string& message) {
  std::cerr << "cmdm " << name << ": " << message << "\nRun 'cmdm " << name
            << " --help' for usage.\n";
  return 2;
}

int report(const char* name, const Error& error) {
  if (error.code == ExitCode::kUsage && error.diagnostics.size() == 1 &&
      error.diagnostics[0].file.empty()) {
    return usage_error(name, error.diagnostics[0].message);
  }
  return report(error);
}

}  // namespace cmdm::cli
