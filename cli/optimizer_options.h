// The options every optimizer command shares (check, explain, optimize, split): target, level,
// limit, passes, schemas, and the template inputs for templated sources.
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"
#include "optimizer/settings.h"

namespace cmdm::cli {

struct OptimizerArgs {
  optimizer::Settings settings;
  std::vector<std::string> vars, vars_files, facts_files;
};

// Adds --target (described by `target_help`), --level, --limit (a negative limit is a usage
// error), --pass, --no-pass, --schemas, --var, --vars and --facts, bound to `args`.
void add_optimizer_options(po::options_description& options, OptimizerArgs& args,
                           const char* target_help);

}  // namespace cmdm::cli
