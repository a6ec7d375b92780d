// `cmdm unbundle`: checks a bundle.cmdm completely and writes its files out (the build's OUT).
#include <iostream>

#include "pipeline/build.h"
#include "cli/command.h"
#include "cli/commands_decl.h"

namespace cmdm::cli {

int run_unbundle(const Args& args) {
  po::options_description options("unbundle options");
  std::string bundle, out_dir;
  options.add_options()
      ("output,o", po::value(&out_dir)->required(), "output directory")
      ("bundle", po::value(&bundle)->required(), "the bundle.cmdm to unpack");
  po::positional_options_description positional;
  positional.add("bundle", 1);
  po::variables_map vm;
  if (auto code = parse_options("unbundle", "BUNDLE -o DIR", options, positional, args, vm)) {
    return *code;
  }
  Result<emitters::WriteStats> stats = pipeline::unbundle(bundle, out_dir);
  if (!stats) return report(stats.error());
  std::cout << out_dir << ": " << stats->written << " written, " << stats->unchanged
            << " unchanged, " << stats->removed << " removed\n";
  return 0;
}

}  // namespace cmdm::cli
