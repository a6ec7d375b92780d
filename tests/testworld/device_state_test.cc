#include "testworld/device_state.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "signer/signer.h"
#include "tests/testworld/testworld_util.h"
#include "testworld/delivery.h"

namespace cmdm::testworld {
namespace {

using testing::sample_profile;
using testing::SampleProfile;
using testing::ScratchDir;

DeviceState open_device(const ScratchDir& dir) {
  Result<DeviceState> device = DeviceState::open(dir.file("device"));
  EXPECT_TRUE(device.ok()) << (device ? "" : device.error().format());
  return std::move(device).value();
}

TEST(DeviceState, InstallsAProfileAndListsIt) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  Result<InstalledProfile> installed =
      device.install(sample_profile(), 1700000000, InstallSource::kMdm);
  ASSERT_TRUE(installed.ok()) << installed.error().format();
  Result<std::vector<InstalledProfile>> all = device.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].identifier, "com.example.testworld");
  EXPECT_EQ((*all)[0].owner, "_computerlevel");
  EXPECT_EQ((*all)[0].install_time, 1700000000);
  EXPECT_FALSE((*all)[0].signed_profile);
  EXPECT_EQ(*(*all)[0].profile.get_string("PayloadUUID"), "6F6670A3-65AC-4EA4-8665-91F8FCE289AB");
}

TEST(DeviceState, ReplacesAProfileWithTheSameIdentifier) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  ASSERT_TRUE(device.install(sample_profile(), 1, InstallSource::kMdm).ok());
  SampleProfile changed;
  changed.uuid = "11111111-2222-3333-4444-555555555555";
  ASSERT_TRUE(device.install(sample_profile(changed), 2, InstallSource::kMdm).ok());
  Result<std::vector<InstalledProfile>> all = device.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(*(*all)[0].profile.get_string("PayloadUUID"), changed.uuid);
}

TEST(DeviceState, RemovesByIdentifierAndSaysWhenNothingWasInstalled) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  ASSERT_TRUE(device.install(sample_profile(), 1, InstallSource::kMdm).ok());
  Result<bool> removed = device.remove("com.example.testworld");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_TRUE(device.list()->empty());
  Result<bool> again = device.remove("com.example.testworld");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST(DeviceState, RefusesAPlistThatIsNotAConfigurationProfile) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  Result<InstalledProfile> r = device.install(
      "<plist><dict><key>PayloadType</key><string>com.apple.dock</string></dict></plist>", 1,
      InstallSource::kMdm);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kDataError);
  EXPECT_NE(r.error().format().find("PayloadType is not \"Configuration\""), std::string::npos)
      << r.error().format();
  EXPECT_TRUE(device.list()->empty());
}

TEST(DeviceState, UnwrapsACmsSignedProfileAndMarksItSigned) {
  ScratchDir dir;
  std::string cms = testing::signed_profile(dir, sample_profile());
  if (cms.empty()) GTEST_SKIP() << "openssl command unavailable";
  DeviceState device = open_device(dir);
  Result<InstalledProfile> installed = device.install(cms, 5, InstallSource::kLocal);
  ASSERT_TRUE(installed.ok()) << installed.error().format();
  EXPECT_TRUE(installed->signed_profile);
  EXPECT_TRUE(device.list()->at(0).signed_profile);
  EXPECT_EQ(device.list()->at(0).identifier, "com.example.testworld");
}

TEST(DeviceState, OddIdentifiersStayInsideTheProfilesDirectory) {
  EXPECT_EQ(profile_file_name("com.example.a"), "com.example.a.plist");
  EXPECT_EQ(profile_file_name("../etc/x"), "%2E.%2Fetc%2Fx.plist");
  std::string long_id(300, 'a');
  EXPECT_LT(profile_file_name(long_id).size(), 200u);
  EXPECT_NE(profile_file_name(long_id + "b"), profile_file_name(long_id + "c"));
  ScratchDir dir;
  DeviceState device = open_device(dir);
  SampleProfile odd;
  odd.identifier = "../../escape/ünïcode";
  ASSERT_TRUE(device.install(sample_profile(odd), 1, InstallSource::kMdm).ok());
  EXPECT_EQ(device.list()->at(0).identifier, odd.identifier);
  EXPECT_FALSE(std::filesystem::exists(dir.file("escape")));
}

TEST(DeviceState, PendingDeliveriesApplyAtTheNextPollExactlyOnce) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  ASSERT_TRUE(device.enqueue_pending({.bytes = sample_profile()}).ok());
  EXPECT_TRUE(device.list()->empty());
  Result<int> applied = device.apply_pending(10);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 1);
  EXPECT_EQ(device.list()->size(), 1u);
  EXPECT_EQ(*device.apply_pending(11), 0);
  ASSERT_TRUE(
      device.enqueue_pending({.kind = Delivery::Kind::kRemove, .bytes = "com.example.testworld"})
          .ok());
  EXPECT_EQ(*device.apply_pending(12), 1);
  EXPECT_TRUE(device.list()->empty());
}

TEST(DeviceState, ConcurrentPollersApplyEachDeliveryOnce) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  constexpr int kDeliveries = 60;
  for (int i = 0; i < kDeliveries; ++i) {
    SampleProfile p;
    p.identifier = "com.example.p" + std::to_string(i);
    ASSERT_TRUE(device.enqueue_pending({.bytes = sample_profile(p)}).ok());
  }
  std::atomic<int> applied{0};
  std::vector<std::thread> pollers;
  for (int t = 0; t < 4; ++t) {
    pollers.emplace_back([&] {
      Result<DeviceState> mine = DeviceState::open(dir.file("device"));
      Result<int> n = mine->apply_pending(1);
      if (n) applied += *n;
    });
  }
  for (std::thread& t : pollers) t.join();
  EXPECT_EQ(applied.load(), kDeliveries);
  EXPECT_EQ(device.list()->size(), static_cast<std::size_t>(kDeliveries));
  EXPECT_TRUE(std::filesystem::is_empty(dir.file("device") + "/pending"));
}

TEST(DeviceState, OsVersionDecidesWhetherLocalChangesAreAllowed) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  EXPECT_EQ(*device.os_version(), "14.5");
  EXPECT_FALSE(*device.allows_local_changes());
  ASSERT_TRUE(device.set_os_version("10.15.7").ok());
  EXPECT_TRUE(*device.allows_local_changes());
  ASSERT_TRUE(device.set_os_version("banana").ok());
  EXPECT_FALSE(device.allows_local_changes().ok());
}

TEST(DeliveryQueue, DelayedDeliveryArrivesOnlyAfterTheDelay) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  DeliveryQueue queue(device, {.mode = DeliveryPolicy::Mode::kAfterDelay, .delay_ms = 300});
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(queue.deliver({.bytes = sample_profile()}).ok());
  EXPECT_TRUE(device.list()->empty());
  ASSERT_TRUE(queue.drain(5000));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(device.list()->size(), 1u);
  EXPECT_EQ(queue.delivered(), 1u);
}

TEST(DeliveryQueue, CountsAProfileTheDeviceRefuses) {
  ScratchDir dir;
  DeviceState device = open_device(dir);
  DeliveryQueue queue(device, {.mode = DeliveryPolicy::Mode::kAfterDelay, .delay_ms = 1});
  ASSERT_TRUE(queue.deliver({.bytes = "not a plist"}).ok());
  ASSERT_TRUE(queue.drain(5000));
  EXPECT_EQ(queue.failed(), 1u);
  EXPECT_EQ(queue.delivered(), 0u);
}

TEST(DeliveryQueue, ParsesThePolicyText) {
  EXPECT_EQ(parse_delivery_policy("now")->mode, DeliveryPolicy::Mode::kImmediate);
  EXPECT_EQ(parse_delivery_policy("poll")->mode, DeliveryPolicy::Mode::kOnNextPoll);
  EXPECT_EQ(parse_delivery_policy("250")->delay_ms, 250);
  Result<DeliveryPolicy> bad = parse_delivery_policy("soon");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ExitCode::kUsage);
}

}  // namespace
}  // namespace cmdm::testworld
