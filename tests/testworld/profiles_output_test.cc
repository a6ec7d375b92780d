#include "testworld/profiles_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "plist/reader.h"
#include "tests/testworld/testworld_util.h"

namespace cmdm::testworld {
namespace {

using testing::sample_profile;
using testing::SampleProfile;
using testing::ScratchDir;

std::vector<InstalledProfile> installed(const std::vector<SampleProfile>& samples,
                                        const ScratchDir& dir) {
  Result<DeviceState> device = DeviceState::open(dir.file("device"));
  EXPECT_TRUE(device.ok());
  std::int64_t t = 1680225276;  // 2023-03-31 01:14:36 +0000
  for (const SampleProfile& s : samples) {
    EXPECT_TRUE(device->install(sample_profile(s), t++, InstallSource::kMdm).ok());
  }
  return *device->list();
}

// The shape Python's plistlib sees in a file (tests/testworld/plist_shape.py).
nlohmann::json shape_of(const std::string& path) {
  testing::Ran ran =
      testing::run({"python3", std::string(CMDM_TESTWORLD_TEST_DIR) + "/plist_shape.py", path});
  EXPECT_EQ(ran.status, 0) << ran.err;
  return nlohmann::json::parse(ran.out);
}

// Keys every profile (or item) carries in real output, with their types.
std::map<std::string, std::string> common_keys(const std::vector<nlohmann::json>& dicts) {
  std::map<std::string, std::string> common;
  bool first = true;
  for (const nlohmann::json& d : dicts) {
    std::map<std::string, std::string> keys = d.get<std::map<std::string, std::string>>();
    if (first) {
      common = keys;
      first = false;
      continue;
    }
    std::erase_if(common, [&](const auto& kv) { return !keys.count(kv.first); });
  }
  return common;
}

TEST(ProfilesOutput, InstallDateHasTheFormOfProfilesOutput) {
  EXPECT_EQ(format_install_date(1680225278), "2023-03-31 01:14:38 +0000");
  EXPECT_EQ(format_install_date(0), "1970-01-01 00:00:00 +0000");
}

TEST(ProfilesOutput, ShowXmlHasTheKeysAndTypesOfRealOutput) {
  std::string fixtures = testing::fixtures_dir();
  if (fixtures.empty()) GTEST_SKIP() << "../shared/cm-tools-fixtures is absent";
  ScratchDir dir;
  SampleProfile locked;
  locked.identifier = "com.example.locked";
  locked.removal_disallowed = true;
  std::string ours = dir.file("ours.plist");
  testing::write_text(ours, show_xml(installed({SampleProfile{}, locked}, dir)));
  nlohmann::json mine = shape_of(ours);
  // Output of real machines (chef's sample is hand-written and nix's block sample is annotated).
  std::vector<nlohmann::json> real_profiles, real_items;
  for (std::string name : {"osquery-extension/test_profiles_stdout.plist",
                           "nix-installer/profile.sample.unknown.plist"}) {
    nlohmann::json real = shape_of(fixtures + "/" + name);
    for (const auto& p : real["owners"]["_computerlevel"]["profiles"]) {
      real_profiles.push_back(p["keys"]);
      for (const auto& item : p["items"]) real_items.push_back(item);
    }
  }
  ASSERT_EQ(mine["root"], "dict");
  ASSERT_EQ(mine["owners"]["_computerlevel"]["type"], "array");
  std::vector<nlohmann::json> my_items;
  for (const auto& p : mine["owners"]["_computerlevel"]["profiles"]) {
    for (const auto& [key, type] : common_keys(real_profiles)) {
      EXPECT_EQ(p["keys"].value(key, "missing"), type) << key;
    }
    EXPECT_TRUE(std::regex_match(p["install_date"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000)")));
    for (const auto& item : p["items"]) my_items.push_back(item);
  }
  for (const auto& item : my_items) {
    for (const auto& [key, type] : common_keys(real_items)) {
      EXPECT_EQ(item.value(key, "missing"), type) << key;
    }
  }
  // Keys real output has only sometimes must have the same type when we write them.
  nlohmann::json second = mine["owners"]["_computerlevel"]["profiles"][1]["keys"];
  EXPECT_EQ(second["ProfileRemovalDisallowed"], "string");
  EXPECT_EQ(second["ProfileOrganization"], "string");
}

TEST(ProfilesOutput, ShowXmlIsLaidOutLikeRealOutput) {
  std::string fixtures = testing::fixtures_dir();
  if (fixtures.empty()) GTEST_SKIP() << "../shared/cm-tools-fixtures is absent";
  std::string real = testing::read_text(fixtures + "/osquery-extension/test_profiles_stdout.plist");
  ScratchDir dir;
  std::string ours = show_xml(installed({SampleProfile{}}, dir));
  // Header, root dict, owner key, the array and the first profile key: byte for byte.
  std::string head_real = real.substr(0, real.find("<string>"));
  EXPECT_EQ(ours.substr(0, head_real.size()), head_real);
  // The end, up to the final newline (the fixture was stored without it; `profiles` writes it).
  if (real.back() != '\n') real += '\n';
  EXPECT_EQ(ours.substr(ours.size() - 30), real.substr(real.size() - 30));
}

TEST(ProfilesOutput, RemovalDisallowedIsTheStringTrue) {
  ScratchDir dir;
  SampleProfile locked;
  locked.removal_disallowed = true;
  plist::Value doc = show_document(installed({locked}, dir));
  const plist::Value& profile = doc.get("_computerlevel")->as_array()[0];
  ASSERT_NE(profile.get_string("ProfileRemovalDisallowed"), nullptr);
  EXPECT_EQ(*profile.get_string("ProfileRemovalDisallowed"), "true");
  EXPECT_EQ(*profile.get_string("ProfileVerificationState"), "verified");
  const plist::Value& item = profile.get("ProfileItems")->as_array()[0];
  EXPECT_TRUE(item.get("PayloadContent")->get("EnableFirewall")->as_bool());
  EXPECT_EQ(item.get("PayloadContent")->as_dict().size(), 1u);
}

TEST(ProfilesOutput, UserProfilesAreListedUnderTheUsersName) {
  ScratchDir dir;
  Result<DeviceState> device = DeviceState::open(dir.file("device"));
  ASSERT_TRUE(device->install(sample_profile(), 1, InstallSource::kLocal, "tsmith").ok());
  plist::Value doc = show_document(*device->list());
  ASSERT_NE(doc.get("tsmith"), nullptr);
  EXPECT_EQ(doc.get("_computerlevel"), nullptr);
  EXPECT_EQ(*doc.get("tsmith")->as_array()[0].get_string("ProfileVerificationState"), "unsigned");
}

TEST(ProfilesOutput, ListNumbersProfilesAndCountsThem) {
  ScratchDir dir;
  SampleProfile b;
  b.identifier = "com.example.b";
  std::vector<InstalledProfile> all = installed({SampleProfile{}, b}, dir);
  EXPECT_EQ(list_text(all, kComputerLevel),
            "_computerlevel[1] attribute: profileIdentifier: com.example.testworld\n"
            "_computerlevel[2] attribute: profileIdentifier: com.example.b\n"
            "There are 2 system configuration profiles installed\n");
  EXPECT_EQ(list_text({}, kComputerLevel),
            "There are no configuration profiles installed in the system domain\n");
}

}  // namespace
}  // namespace cmdm::testworld
