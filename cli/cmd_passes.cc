// `cmdm passes`: the optimizer's pass registry, with the level that runs each pass.
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "optimizer/optimizer.h"

namespace cmdm::cli {

int run_passes(const Args& args) {
  po::options_description options("passes options");
  po::positional_options_description positional;
  po::variables_map vm;
  if (auto code = parse_options("passes", "", options, positional, args, vm)) return *code;
  std::size_t width = 0;
  for (const optimizer::PassInfo& p : optimizer::passes()) width = std::max(width, p.id.size());
  for (const optimizer::PassInfo& p : optimizer::passes()) {
    std::string level(optimizer::level_name(p.level));
    std::cout << p.id << std::string(width - p.id.size() + 2, ' ') << level
              << std::string(12 - level.size(), ' ') << p.description << '\n';
  }
  return 0;
}

}  // namespace cmdm::cli
