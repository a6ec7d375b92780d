// DeviceIdentity lookup against the test world's fake vendors, with the real transport and ledger.
#include "dispatcher/device_lookup.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "testworld/fake_mdm.h"

namespace cmdm::dispatcher {
namespace {

constexpr char kUdid[] = "5A1C0000-1111-4222-8333-444455556666";
constexpr char kSerial[] = "C02XK1ABJGH5";

class DeviceLookupTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cmdm-lookup-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  void TearDown() override {
    server_.reset();
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }
  void start(testworld::Vendor vendor) {
    server_.reset();
    ledger_.reset();
    auto started = testworld::FakeMdm::start({.vendor = vendor,
                                              .devices = {{kUdid, dir_ + "/device"}},
                                              .serials = {{kSerial, kUdid}},
                                              .threads = 2});
    ASSERT_TRUE(started) << started.error().format();
    server_ = std::move(*started);
    config_.target = std::string(testworld::vendor_name(vendor));
    config_.server_url = server_->base_url();
    testworld::Credentials cred = testworld::default_credentials(vendor);
    config_.micromdm_api_key = Secret(cred.password);
    config_.fleet_token = Secret(cred.token);
    auto ledger = Ledger::open(dir_ + "/ledger.sqlite");
    ASSERT_TRUE(ledger) << ledger.error().format();
    ledger_ = std::move(*ledger);
  }
  Result<LookedUpDevice> look_up(const std::string& serial) {
    return look_up_device_id(config_, serial, *transport_, *ledger_);
  }

  std::string dir_;
  DispatcherConfig config_;
  std::unique_ptr<testworld::FakeMdm> server_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Transport> transport_ = make_curl_transport({.retry = {.max_attempts = 1}});
};

TEST_F(DeviceLookupTest, FleetGivesTheHostUuidOnceAndTheLedgerKeepsIt) {
  start(testworld::Vendor::kFleet);
  Result<LookedUpDevice> found = look_up(kSerial);
  ASSERT_TRUE(found) << found.error().format();
  EXPECT_EQ(found->device_id, kUdid);
  EXPECT_FALSE(found->from_ledger);
  EXPECT_EQ(server_->stats().by_route[std::string("GET /api/v1/fleet/hosts/identifier/") + kSerial],
            1u);
  Result<LookedUpDevice> again = look_up(kSerial);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->device_id, kUdid);
  EXPECT_TRUE(again->from_ledger);
  EXPECT_EQ(server_->stats().requests, 1u);
}

TEST_F(DeviceLookupTest, MicroMdmGivesTheUdidOfTheFilteredSerial) {
  start(testworld::Vendor::kMicroMdm);
  Result<LookedUpDevice> found = look_up(kSerial);
  ASSERT_TRUE(found) << found.error().format();
  EXPECT_EQ(found->device_id, kUdid);
  EXPECT_EQ(server_->stats().by_route["POST /v1/devices"], 1u);
}

TEST_F(DeviceLookupTest, AnUnknownSerialIsADataErrorAndNothingIsCached) {
  start(testworld::Vendor::kFleet);
  Result<LookedUpDevice> found = look_up("C02UNKNOWN01");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ExitCode::kDataError);
  EXPECT_EQ(found.error().diagnostics[0].message,
            "Fleet knows no device with serial number C02UNKNOWN01 (DeviceIdentity lookup); is "
            "this Mac enrolled?");
  EXPECT_EQ(*ledger_->device_id("fleet", config_.server_url, "C02UNKNOWN01"), std::nullopt);
  start(testworld::Vendor::kMicroMdm);
  EXPECT_FALSE(look_up("C02UNKNOWN01"));
}

TEST_F(DeviceLookupTest, WorkspaceOneIsAskedBySerialNumberWithoutALookup) {
  start(testworld::Vendor::kWorkspaceOne);
  Result<LookedUpDevice> found = look_up(kSerial);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->device_id, kSerial);
  EXPECT_TRUE(found->is_serial);
  EXPECT_EQ(server_->stats().requests, 0u);
}

TEST_F(DeviceLookupTest, RefusesASerialThatWouldChangeThePath) {
  start(testworld::Vendor::kFleet);
  Result<LookedUpDevice> found = look_up("../../admin");
  ASSERT_FALSE(found);
  EXPECT_EQ(server_->stats().requests, 0u);
}

TEST_F(DeviceLookupTest, RefusedCredentialsAreNoPermission) {
  start(testworld::Vendor::kFleet);
  config_.fleet_token = Secret("wrong");
  Result<LookedUpDevice> found = look_up(kSerial);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ExitCode::kNoPermission);
}

}  // namespace
}  // namespace cmdm::dispatcher
