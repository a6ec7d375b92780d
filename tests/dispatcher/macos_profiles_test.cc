#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dispatcher/device.h"
#include "dispatcher/process.h"
#include "tests/dispatcher/fake_runner.h"

namespace cmdm::dispatcher {
namespace {

constexpr char kOneProfile[] =
    "<plist version=\"1.0\"><dict><key>_computerlevel</key><array><dict>"
    "<key>ProfileIdentifier</key><string>com.example.a</string>"
    "<key>ProfileUUID</key><string>U1</string></dict></array></dict></plist>";

TEST(MacosProfileLister, ListsWithShowAndParsesTheOutput) {
  testing::FakeRunner runner;
  runner.answer("/usr/bin/profiles show -output stdout-xml", {.out = kOneProfile});
  Result<std::vector<InstalledProfile>> listing = make_macos_profile_lister(runner, {})->list();
  ASSERT_TRUE(listing) << listing.error().format();
  ASSERT_EQ(listing->size(), 1u);
  EXPECT_EQ((*listing)[0].identifier, "com.example.a");
}

TEST(MacosProfileLister, UsesTheLegacyVerbsWhenConfigured) {
  testing::FakeRunner runner;
  runner.answer("/usr/local/bin/profiles -P -o stdout-xml", {.out = kOneProfile});
  MacosTools tools{.profiles = "/usr/local/bin/profiles", .legacy_profiles_verbs = true};
  EXPECT_TRUE(make_macos_profile_lister(runner, tools)->list());
}

TEST(MacosProfileLister, NamesTheCommandWhenItsOutputIsMalformed) {
  testing::FakeRunner runner;
  runner.answer("/usr/bin/profiles show -output stdout-xml", {.out = "<plist><array/></plist>"});
  Result<std::vector<InstalledProfile>> listing = make_macos_profile_lister(runner, {})->list();
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error().diagnostics[0].file,
            "output of `/usr/bin/profiles show -output stdout-xml`");
}

TEST(MacosProfileLister, ReportsAFailingToolWithItsOwnWords) {
  testing::FakeRunner runner;
  runner.answer("/usr/bin/profiles show -output stdout-xml",
                {.exit_status = 1, .err = "profiles: this command requires root\n"});
  Result<std::vector<InstalledProfile>> listing = make_macos_profile_lister(runner, {})->list();
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error().code, ExitCode::kUnavailable);
  EXPECT_EQ(listing.error().diagnostics[0].message,
            "`/usr/bin/profiles show -output stdout-xml` failed (status 1): profiles: this "
            "command requires root");
}

// The real runner with a `profiles` that records its environment: the caller's variables, a
// device emulator's included, never reach the tool. (PWD is the recording shell's own export.)
TEST(MacosProfileLister, RunsTheToolWithOnlyPathAndLcAllWhateverTheCallerHolds) {
  char dir_template[] = "/tmp/cmdm-macos-env-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string tool = dir + "/profiles";
  std::ofstream(tool)
      << "#!/bin/sh\n/usr/bin/env | /usr/bin/grep -v '^PWD=' > \"${0%/*}/env.txt\"\nprintf '%s' '"
      << kOneProfile << "'\n";
  ASSERT_EQ(::chmod(tool.c_str(), 0755), 0);
  ::setenv("CMDM_FAKE_DEVICE_DIR", dir.c_str(), 1);
  ::setenv("CMDM_CONFIG", "/tmp/elsewhere.plist", 1);
  std::unique_ptr<ProcessRunner> runner = make_posix_process_runner();
  Result<std::vector<InstalledProfile>> listing =
      make_macos_profile_lister(*runner, {.profiles = tool})->list();
  ::unsetenv("CMDM_FAKE_DEVICE_DIR");
  ::unsetenv("CMDM_CONFIG");
  std::stringstream env;
  env << std::ifstream(dir + "/env.txt").rdbuf();
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(listing) << listing.error().format();
  EXPECT_EQ(listing->size(), 1u);
  EXPECT_EQ(env.str(), "PATH=/usr/bin:/bin:/usr/sbin:/sbin\nLC_ALL=C\n");
}

TEST(MacosInstaller, InstallsAndRemovesWithTheModernAndLegacyVerbs) {
  testing::FakeRunner runner;
  runner.answer("/usr/bin/profiles install -path '/tmp/a b.mobileconfig'", {});
  runner.answer("/usr/bin/profiles remove -identifier com.example.a", {});
  runner.answer("/usr/bin/profiles -I -F /tmp/a.mobileconfig", {});
  runner.answer("/usr/bin/profiles -R -p com.example.a", {});
  auto modern = make_macos_installer(runner, {});
  EXPECT_TRUE(modern->install("/tmp/a b.mobileconfig"));
  EXPECT_TRUE(modern->remove("com.example.a"));
  auto legacy = make_macos_installer(runner, {.legacy_profiles_verbs = true});
  EXPECT_TRUE(legacy->install("/tmp/a.mobileconfig"));
  EXPECT_TRUE(legacy->remove("com.example.a"));
  EXPECT_EQ(runner.calls.size(), 4u);
}

TEST(MacosInstaller, RefusesArgumentsThatWouldReadAsOptions) {
  testing::FakeRunner runner;
  auto installer = make_macos_installer(runner, {});
  EXPECT_FALSE(installer->install("relative.mobileconfig"));
  EXPECT_FALSE(installer->remove("-all"));
  EXPECT_FALSE(installer->remove(""));
  EXPECT_TRUE(runner.calls.empty());
}

TEST(MacosInstaller, ReportsARefusedInstall) {
  testing::FakeRunner runner;
  runner.answer("/usr/bin/profiles install -path /tmp/a.mobileconfig",
                {.exit_status = 1, .out = "profiles: install failed\n"});
  Status installed = make_macos_installer(runner, {})->install("/tmp/a.mobileconfig");
  ASSERT_FALSE(installed);
  EXPECT_EQ(installed.error().diagnostics[0].message,
            "`/usr/bin/profiles install -path /tmp/a.mobileconfig` failed (status 1): profiles: "
            "install failed");
}

}  // namespace
}  // namespace cmdm::dispatcher
