// The device emulator's command line: answers the argument forms of macOS /usr/bin/profiles that
// configuration tools use (Chef, Munki, Puppet, Salt, and cmdm's own runtime), over an emulated
// device's state directory. A library function so tests can run it in-process; the executable
// cmdm-fake-profiles is a thin main around it.
//
// The executable finds its device from the path it was run by: a test links it in as
// DEVICE/bin/profiles and names that link as ProfilesPath, so cmdm runs it like /usr/bin/profiles
// and passes it nothing (cmdm carries no test hook). Run directly, it reads CMDM_FAKE_DEVICE_DIR.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::testworld {

// The environment variable that names the state directory when the emulator is run directly
// (not through a device link); read only by the emulator itself.
inline constexpr std::string_view kDeviceDirEnv = "CMDM_FAKE_DEVICE_DIR";

// The state directory an emulator run by `invoked_path` (its argv[0], not resolved) serves: DEVICE
// for DEVICE/bin/profiles, else empty.
std::string device_dir_from_invoked_path(const std::string& invoked_path);

// Makes `device_dir` an emulated device that a program can run as its `profiles`: creates the
// state directory and DEVICE/bin/profiles, a symbolic link to `emulator` (the cmdm-fake-profiles
// executable). Returns the link's path, the ProfilesPath to configure.
Result<std::string> make_device(const std::string& device_dir, const std::string& emulator);

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
