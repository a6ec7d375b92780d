// The device emulator's command line: answers the argument forms of macOS /usr/bin/profiles that
// configuration tools use (Chef, Munki, Puppet, Salt, and cmdm's own runtime), over the state
// directory named by CMDM_FAKE_DEVICE_DIR. A library function so tests can run it in-process; the
// executable cmdm-fake-profiles is a thin main around it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cmdm::testworld {

// The environment variable that names the state directory of the emulated device.
inline constexpr std::string_view kDeviceDirEnv = "CMDM_FAKE_DEVICE_DIR";

struct ProfilesRun {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs one `profiles` invocation (args without the program name) against `device_dir`.
//   profiles show [-type configuration] [-output stdout-xml|stdout|PATH] [-user NAME]
//   profiles list [-type configuration] [-output stdout-xml|stdout|PATH] [-user NAME]
//   profiles install -path FILE [-type configuration] [-user NAME]
//   profiles remove -identifier ID [-type configuration] [-user NAME] [-forced]
//   profiles -P | -C | -L [-o stdout-xml|stdout|PATH] [-U NAME]   (legacy listing)
//   profiles -I -F FILE | -R -p ID                               (legacy install / remove)
// Install and remove are refused, as on macOS 11 and later, unless DIR/os_version is older.
// Every run first applies deliveries waiting for the device's next poll. Exit status is 0 on
// success and 1 on any error, as /usr/bin/profiles; 2 when the state directory is not given.
ProfilesRun run_fake_profiles(const std::vector<std::string>& args, const std::string& device_dir);

// The text macOS 11+ prints when asked to install (and exits 1).
inline constexpr std::string_view kInstallRefused =
    "profiles tool no longer supports installs.  Use System Settings Profiles to add configuration "
    "profiles.\n";

}  // namespace cmdm::testworld
