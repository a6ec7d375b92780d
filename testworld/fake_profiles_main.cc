// cmdm-fake-profiles: the device emulator as an executable, so tests run it where the runtime would
// run /usr/bin/profiles. The state directory comes from the path it was run by
// (DEVICE/bin/profiles, testworld/fake_profiles.h), else from CMDM_FAKE_DEVICE_DIR.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "testworld/fake_profiles.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string dir = argc > 0 ? cmdm::testworld::device_dir_from_invoked_path(argv[0]) : "";
  if (dir.empty()) {
    const char* named = std::getenv(std::string(cmdm::testworld::kDeviceDirEnv).c_str());
    dir = named != nullptr ? named : "";
  }
  cmdm::testworld::ProfilesRun run = cmdm::testworld::run_fake_profiles(args, dir);
  std::fwrite(run.out.data(), 1, run.out.size(), stdout);
  std::fwrite(run.err.data(), 1, run.err.size(), stderr);
  return run.exit_code;
}
