#include <gtest/gtest.h>

#include "dispatcher/device.h"
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
