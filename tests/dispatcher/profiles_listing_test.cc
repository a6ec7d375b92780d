#include <gtest/gtest.h>

#include <filesystem>

#include "dispatcher/device.h"
#include "plist/file_io.h"

namespace cmdm::dispatcher {
namespace {

const std::string kTestdata = std::string(CMDM_SOURCE_DIR) + "/testdata/dispatcher/";
const std::string kFixtures = std::string(CMDM_SHARED_DIR) + "/cm-tools-fixtures/";

// Parses a sample from ../shared/cm-tools-fixtures, or skips when the folder is absent.
#define PARSE_FIXTURE(var, name)                                                      \
  const std::string var##_path = kFixtures + name;                                    \
  if (!std::filesystem::exists(var##_path)) GTEST_SKIP() << "absent: " << var##_path; \
  Result<std::vector<InstalledProfile>> var =                                         \
      parse_profiles_listing(*read_file(var##_path), var##_path);                     \
  ASSERT_TRUE(var) << var.error().format()

TEST(ProfilesListing, ReadsComputerLevelProfilesFromRealOutput) {
  PARSE_FIXTURE(listing, "osquery-extension/test_profiles_stdout.plist");
  ASSERT_EQ(listing->size(), 2u);
  const InstalledProfile& firewall = (*listing)[0];
  EXPECT_EQ(firewall.identifier, "com.company.mdm.com.apple.security.firewall");
  EXPECT_EQ(firewall.uuid, "597b4018-dbed-5b91-ad38-fd825711cd02");
  EXPECT_EQ(firewall.display_name, "Firewall");
  EXPECT_EQ(firewall.organization, "Company");
  EXPECT_EQ(firewall.scope, ProfileScope::kSystem);
  EXPECT_EQ(firewall.user, "");
  EXPECT_EQ(firewall.install_date, 1680225278);
  ASSERT_EQ(firewall.payloads.size(), 1u);
  EXPECT_EQ(firewall.payloads[0].identifier, "com.apple.security.firewall");
  EXPECT_EQ(firewall.payloads[0].type, "com.apple.security.firewall");
  EXPECT_EQ(firewall.payloads[0].uuid, "6EE63BCC-3E7C-48B2-AD15-D078EBAF25D0");
  EXPECT_EQ((*listing)[1].identifier, "com.company.profiles.PasswordPolicy");
}

TEST(ProfilesListing, ReadsAUserProfileFromChefsSample) {
  PARSE_FIXTURE(listing, "chef/osx_profile_spec-profile_raw_xml.plist");
  ASSERT_EQ(listing->size(), 1u);
  EXPECT_EQ((*listing)[0].scope, ProfileScope::kUser);
  EXPECT_EQ((*listing)[0].user, "tsmith");
  EXPECT_EQ((*listing)[0].identifier, "com.company.screensaver");
  EXPECT_EQ((*listing)[0].payloads[0].type, "com.apple.ManagedClient.preferences");
}

TEST(ProfilesListing, ReadsNixInstallersSamplesWithCommentsAndMissingKeys) {
  PARSE_FIXTURE(block, "nix-installer/profile.sample.block.plist");
  ASSERT_EQ(block->size(), 1u);
  EXPECT_EQ((*block)[0].user, "foo");
  EXPECT_EQ((*block)[0].payloads[0].identifier, "");  // the sample has none
  EXPECT_EQ((*block)[0].payloads[0].type, "com.apple.systemuiserver");
  PARSE_FIXTURE(unknown, "nix-installer/profile.sample.unknown.plist");
  ASSERT_EQ(unknown->size(), 1u);
  EXPECT_EQ((*unknown)[0].uuid, "F7972F85-2A4D-4609-A4BB-02CB0C34A3F8");
  EXPECT_EQ((*unknown)[0].payloads[0].uuid, "def456");
}

TEST(ProfilesListing, ReadsSystemAndUserProfilesAndConvertsTheDateToUtc) {
  const std::string path = kTestdata + "profiles_system_and_user.plist";
  Result<std::vector<InstalledProfile>> listing = parse_profiles_listing(*read_file(path), path);
  ASSERT_TRUE(listing) << listing.error().format();
  ASSERT_EQ(listing->size(), 2u);
  EXPECT_EQ((*listing)[0].install_date, 1796088598);  // 23:59:58 -0130 is 01:29:58 UTC
  ASSERT_EQ((*listing)[0].payloads.size(), 2u);
  EXPECT_EQ((*listing)[0].payloads[1].type, "com.apple.security.root");
  EXPECT_EQ((*listing)[1].scope, ProfileScope::kUser);
  EXPECT_EQ((*listing)[1].user, "alice");
  EXPECT_EQ((*listing)[1].install_date, std::nullopt);
  EXPECT_TRUE((*listing)[1].payloads.empty());
}

TEST(ProfilesListing, TreatsEmptyOutputAndApplesNoProfilesSentenceAsNoProfiles) {
  EXPECT_TRUE(parse_profiles_listing("", "out")->empty());
  EXPECT_TRUE(parse_profiles_listing("\n", "out")->empty());
  EXPECT_TRUE(
      parse_profiles_listing("There are no configuration profiles installed\n", "out")->empty());
  EXPECT_TRUE(parse_profiles_listing("<plist version=\"1.0\"><dict/></plist>", "out")->empty());
}

TEST(ProfilesListing, SaysWhereAKeyHasTheWrongType) {
  const std::string path = kTestdata + "profiles_uuid_not_string.plist";
  Result<std::vector<InstalledProfile>> listing = parse_profiles_listing(*read_file(path), path);
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error().code, ExitCode::kDataError);
  EXPECT_EQ(listing.error().format(), path +
                                          ":10:4: error: expected a string (at "
                                          "_computerlevel[0].ProfileUUID)\n"
                                          "\t\t\t<integer>7</integer>\n"
                                          "\t\t\t^\n");
}

TEST(ProfilesListing, RefusesAProfileWithoutAnIdentifier) {
  Result<std::vector<InstalledProfile>> listing = parse_profiles_listing(
      "<plist><dict><key>_computerlevel</key><array><dict><key>ProfileUUID</key>"
      "<string>u</string></dict></array></dict></plist>",
      "out");
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error().diagnostics[0].message, "the profile has no ProfileIdentifier");
  EXPECT_EQ(listing.error().diagnostics[0].key_path, "_computerlevel[0]");
}

TEST(ProfilesListing, RefusesAMalformedInstallDate) {
  Result<std::vector<InstalledProfile>> listing = parse_profiles_listing(
      "<plist><dict><key>_computerlevel</key><array><dict><key>ProfileIdentifier</key>"
      "<string>a</string><key>ProfileUUID</key><string>u</string>"
      "<key>ProfileInstallDate</key><string>2023-13-31 01:14:38 +0000</string>"
      "</dict></array></dict></plist>",
      "out");
  ASSERT_FALSE(listing);
  EXPECT_EQ(listing.error().diagnostics[0].key_path, "_computerlevel[0].ProfileInstallDate");
}

TEST(ProfilesListing, RefusesARootThatIsNotADictAndTextThatIsNotAPlist) {
  EXPECT_FALSE(parse_profiles_listing("<plist><array/></plist>", "out"));
  Result<std::vector<InstalledProfile>> garbage = parse_profiles_listing("profiles: error", "out");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ExitCode::kDataError);
}

}  // namespace
}  // namespace cmdm::dispatcher
