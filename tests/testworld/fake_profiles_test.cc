// The emulator as the runtime sees it: the cmdm-fake-profiles executable over a state directory.
#include "testworld/fake_profiles.h"

#include <gtest/gtest.h>

#include "plist/reader.h"
#include "tests/testworld/testworld_util.h"
#include "testworld/device_state.h"

namespace cmdm::testworld {
namespace {

using testing::Ran;
using testing::sample_profile;
using testing::ScratchDir;

class FakeProfiles : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<DeviceState> opened = DeviceState::open(dir_.file("device"));
    ASSERT_TRUE(opened.ok());
    device_.emplace(std::move(*opened));
  }
  // As cmdm runs it: DEVICE/bin/profiles, with nothing in the environment.
  Ran profiles(std::vector<std::string> args) {
    return testing::run_device_profiles(dir_.file("device"), std::move(args));
  }
  ScratchDir dir_;
  std::optional<DeviceState> device_;
};

TEST_F(FakeProfiles, ShowStdoutXmlListsTheDeliveredProfiles) {
  ASSERT_TRUE(device_->apply({.bytes = sample_profile()}, 1700000000).ok());
  Ran ran = profiles({"show", "-type", "configuration", "-output", "stdout-xml"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  Result<plist::Document> doc = plist::read(ran.out);
  ASSERT_TRUE(doc.ok()) << ran.out;
  const plist::Value& p = doc->root.get("_computerlevel")->as_array().at(0);
  EXPECT_EQ(*p.get_string("ProfileIdentifier"), "com.example.testworld");
  EXPECT_EQ(*p.get_string("ProfileInstallDate"), "2023-11-14 22:13:20 +0000");
}

TEST_F(FakeProfiles, LegacyDashPFormGivesTheSameXml) {
  ASSERT_TRUE(device_->apply({.bytes = sample_profile()}, 1).ok());
  Ran modern = profiles({"show", "-output", "stdout-xml"});
  Ran legacy = profiles({"-P", "-o", "stdout-xml"});
  ASSERT_EQ(legacy.status, 0) << legacy.err;
  EXPECT_EQ(legacy.out, modern.out);
}

TEST_F(FakeProfiles, ListGivesTheTextForm) {
  ASSERT_TRUE(device_->apply({.bytes = sample_profile()}, 1).ok());
  Ran ran = profiles({"list"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  EXPECT_EQ(ran.out,
            "_computerlevel[1] attribute: profileIdentifier: com.example.testworld\n"
            "There are 1 system configuration profiles installed\n");
}

TEST_F(FakeProfiles, InstallAndRemoveAreRefusedOnCurrentMacos) {
  testing::write_text(dir_.file("p.mobileconfig"), sample_profile());
  Ran install =
      profiles({"install", "-type", "configuration", "-path", dir_.file("p.mobileconfig")});
  EXPECT_EQ(install.status, 1);
  EXPECT_EQ(install.err, kInstallRefused);
  EXPECT_TRUE(device_->list()->empty());
  ASSERT_TRUE(device_->apply({.bytes = sample_profile()}, 1).ok());
  Ran remove = profiles({"remove", "-identifier", "com.example.testworld"});
  EXPECT_EQ(remove.status, 1);
  EXPECT_EQ(device_->list()->size(), 1u);
}

TEST_F(FakeProfiles, InstallAndRemoveWorkOnMacosBefore11) {
  ASSERT_TRUE(device_->set_os_version("10.15.7").ok());
  testing::write_text(dir_.file("p.mobileconfig"), sample_profile());
  Ran install = profiles({"install", "-path", dir_.file("p.mobileconfig")});
  ASSERT_EQ(install.status, 0) << install.err;
  EXPECT_EQ(device_->list()->size(), 1u);
  Ran missing = profiles({"-R", "-p", "com.example.other"});
  EXPECT_EQ(missing.status, 1);
  Ran remove = profiles({"remove", "-identifier", "com.example.testworld"});
  ASSERT_EQ(remove.status, 0) << remove.err;
  EXPECT_TRUE(device_->list()->empty());
  Ran legacy = profiles({"-I", "-F", dir_.file("p.mobileconfig")});
  ASSERT_EQ(legacy.status, 0) << legacy.err;
  EXPECT_EQ(device_->list()->size(), 1u);
}

TEST_F(FakeProfiles, ARunPollsForPendingDeliveriesFirst) {
  ASSERT_TRUE(device_->enqueue_pending({.bytes = sample_profile()}).ok());
  Ran ran = profiles({"list"});
  ASSERT_EQ(ran.status, 0);
  EXPECT_NE(ran.out.find("com.example.testworld"), std::string::npos);
}

TEST_F(FakeProfiles, WritesTheXmlToAFileWhenOutputIsAPath) {
  ASSERT_TRUE(device_->apply({.bytes = sample_profile()}, 1).ok());
  Ran ran = profiles({"-C", "-o", dir_.file("out.plist")});
  ASSERT_EQ(ran.status, 0) << ran.err;
  EXPECT_TRUE(plist::read(testing::read_text(dir_.file("out.plist"))).ok());
}

TEST_F(FakeProfiles, BadArgumentsFailWithStatusOne) {
  Ran ran = profiles({"show", "-bogus"});
  EXPECT_EQ(ran.status, 1);
  EXPECT_EQ(ran.err, "profiles: unknown argument \"-bogus\"\n");
  EXPECT_EQ(profiles({"show", "-type", "enrollment"}).status, 1);
  EXPECT_EQ(profiles({}).status, 1);
}

TEST_F(FakeProfiles, RunDirectlyReadsTheDeviceFromTheEnvironment) {
  ASSERT_TRUE(device_->apply({.bytes = sample_profile()}, 1).ok());
  Ran ran = testing::run({testing::tool_path("cmdm-fake-profiles"), "list"},
                         {std::string(kDeviceDirEnv) + "=" + dir_.file("device")});
  ASSERT_EQ(ran.status, 0) << ran.err;
  EXPECT_NE(ran.out.find("com.example.testworld"), std::string::npos);
}

TEST_F(FakeProfiles, TheDeviceLinkWinsOverTheEnvironment) {
  ASSERT_TRUE(device_->apply({.bytes = sample_profile()}, 1).ok());
  Result<std::string> link =
      make_device(dir_.file("device"), testing::tool_path("cmdm-fake-profiles"));
  ASSERT_TRUE(link) << link.error().format();
  Ran ran = testing::run({*link, "list"}, {std::string(kDeviceDirEnv) + "=" + dir_.file("other")});
  ASSERT_EQ(ran.status, 0) << ran.err;
  EXPECT_NE(ran.out.find("com.example.testworld"), std::string::npos);
}

TEST_F(FakeProfiles, RunDirectlyWithoutTheVariableIsAUsageError) {
  Ran ran = testing::run({testing::tool_path("cmdm-fake-profiles"), "list"});
  EXPECT_EQ(ran.status, 2);
  EXPECT_NE(ran.err.find("DEVICE/bin/profiles"), std::string::npos) << ran.err;
}

TEST(FakeProfilesRun, WithoutAStateDirectoryIsAUsageError) {
  ProfilesRun run = run_fake_profiles({"list"}, "");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("CMDM_FAKE_DEVICE_DIR"), std::string::npos);
}

TEST(FakeProfilesRun, TheDeviceIsTheParentOfTheBinDirectoryItWasRunFrom) {
  EXPECT_EQ(device_dir_from_invoked_path("/tmp/mac1/bin/profiles"), "/tmp/mac1");
  EXPECT_EQ(device_dir_from_invoked_path("mac1/bin/profiles"), "mac1");
  EXPECT_EQ(device_dir_from_invoked_path("bin/profiles"), ".");
  EXPECT_EQ(device_dir_from_invoked_path("/build/testworld/cmdm-fake-profiles"), "");
  EXPECT_EQ(device_dir_from_invoked_path("/usr/local/sbin/profiles"), "");
  EXPECT_EQ(device_dir_from_invoked_path("profiles"), "");
}

}  // namespace
}  // namespace cmdm::testworld
