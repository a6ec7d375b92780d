// Man pages and shell completion scripts, generated from the command table and each command's
// option table (describe_command), the same tables `--help` prints: they cannot drift from it.
#pragma once

#include <string>
#include <string_view>

#include "cli/command.h"

namespace cmdm::cli {

// cmdm(1) when `command` is null, else cmdm-NAME(1), as roff (man(7) macros).
std::string man_page(const Command* command);

// The completion script for `shell` ("bash" or "zsh"): commands, options, and the names of
// targets, levels, passes and signing policies where an option takes one. Unknown shell: usage.
Result<std::string> completion_script(std::string_view shell);

// The process exit codes, shared by `cmdm help` and cmdm(1).
struct ExitCodeInfo {
  int code;
  const char* brief;        // "check failed", for the one-line list in `cmdm help`
  const char* description;  // a sentence, for the man page
};
const std::vector<ExitCodeInfo>& exit_codes();

// The names an option's value is completed from ("target" -> the target names); empty for other
// options.
std::vector<std::string> value_names(std::string_view long_option);

}  // namespace cmdm::cli
