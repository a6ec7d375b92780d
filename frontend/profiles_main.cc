// The `profiles` front end as its own small executable (installed as libexec/cmdm/profiles):
// callers such as Chef, Munki and Puppet list profiles very often, and a process that loads only
// the configuration, the ledger and the listing merge starts several times faster than cmdm,
// whose transport pulls in libcurl's tree of shared libraries. Listing and pass-through are
// answered here; install and remove, which go through the MDM, and --help are handed to the full
// `cmdm profiles` with the same argv (docs/integrations.md "The profiles front end").
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "dispatcher/config.h"
#include "frontend/args.h"
#include "frontend/runtime.h"
#include "frontend/self_path.h"

namespace {

using namespace cmdm;
using namespace cmdm::frontend;

// Where cmdm is installed relative to this executable's directory (cmake/install.cmake).
#ifndef CMDM_PROFILES_TO_CMDM
#define CMDM_PROFILES_TO_CMDM "../../bin/cmdm"
#endif

int report(const Error& error) {
  std::cerr << error.format();
  return static_cast<int>(error.code);
}

// `cmdm profiles ARGS` in place of this process.
int hand_to_cmdm(const std::vector<std::string>& args) {
  Result<std::string> self = executable_path();
  if (!self) return report(self.error());
  Result<std::string> cmdm = cmdm_beside(*self, CMDM_PROFILES_TO_CMDM);
  if (!cmdm) return report(cmdm.error());
  std::vector<std::string> argv{"profiles"};
  argv.insert(argv.end(), args.begin(), args.end());
  return exec_program(*cmdm, *cmdm, argv);
}

int run(const std::vector<std::string>& args) {
  const ProfilesRequest request = parse_profiles_args(args);
  const bool help = args.empty() || (args.size() == 1 && args[0] == "--help");
  if (help || request.action == ProfilesAction::kInstall ||
      request.action == ProfilesAction::kRemove) {
    return hand_to_cmdm(args);
  }
  Result<dispatcher::DispatcherConfig> config = dispatcher::load_config(config_path(""));
  if (request.action == ProfilesAction::kPassThrough) {
    return pass_through(
        config ? config->profiles_path : dispatcher::DispatcherConfig().profiles_path, args);
  }
  if (!config) return report(config.error());
  return list_profiles(*config, request);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int code = run(std::vector<std::string>(argv + 1, argv + argc));
    // A listing that could not be written (a full disk, a closed pipe) is an I/O error.
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "profiles: cannot write standard output\n";
      return code == 0 ? 74 : code;
    }
    return code;
  } catch (const std::exception& e) {
    std::cerr << "profiles: internal error: " << e.what() << '\n';
    return 70;
  }
}
