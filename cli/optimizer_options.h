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

// Whether a part too large for the MDM's limit even alone may be routed to local install
// (`cmdm check`, `cmdm split`, `cmdm build`). Unattended local install (`profiles install`) works
// only up to macOS 10.15; since macOS 11 a person must approve the profile in System Settings, so
// by default such a part is undeliverable.
struct LocalInstallArgs {
  bool allow_local = false;  // --allow-local: route it local anyway (installed by hand)
  std::string os = "macOS";  // --os, as `cmdm validate` takes it ("macOS:10.15")
  std::string os_version;    // empty: any version
  // --allow-local, or --os naming macOS older than 11.
  bool local_allowed() const;
};

// Adds --allow-local and --os (a malformed --os is a usage error), bound to `args`.
void add_local_install_options(po::options_description& options, LocalInstallArgs& args);

}  // namespace cmdm::cli
