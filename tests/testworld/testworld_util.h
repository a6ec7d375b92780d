// Shared helpers of the testworld tests: scratch directories, sample profiles, running commands.
#pragma once

#include <string>
#include <vector>

namespace cmdm::testworld::testing {

// A fresh directory under the system's temporary directory, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct SampleProfile {
  std::string identifier = "com.example.testworld";
  std::string uuid = "6F6670A3-65AC-4EA4-8665-91F8FCE289AB";
  std::string display_name = "Test World";
  std::string organization = "Example";
  bool removal_disallowed = false;
};

// A one-payload .mobileconfig (com.apple.security.firewall) as XML.
std::string sample_profile(const SampleProfile& profile = {});

// Runs argv (no shell), with extra environment entries "NAME=value"; returns the exit status and
// collects standard output and standard error.
struct Ran {
  int status = -1;
  std::string out;
  std::string err;
};
Ran run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
        const std::string& stdin_text = "");

// `profile` signed as CMS SignedData by a throwaway self-signed P-256 identity made with the
// openssl command in `dir`; empty when that command is unavailable.
std::string signed_profile(const ScratchDir& dir, const std::string& profile);

// The fixtures of real `profiles` output (../shared/cm-tools-fixtures), or empty when absent.
std::string fixtures_dir();

// Directory of the built executables (cmdm-fake-profiles, cmdm-fake-mdm).
std::string tool_path(const std::string& name);

// Runs `profiles args` on the emulated device at `device_dir`, made one first (make_device in
// testworld/fake_profiles.h: the emulator linked in as DEVICE/bin/profiles and run by that path).
Ran run_device_profiles(const std::string& device_dir, std::vector<std::string> args);

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

}  // namespace cmdm::testworld::testing
