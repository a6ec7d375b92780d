// Each vendor's contract over real HTTP on 127.0.0.1, with the bodies `cmdm build` writes
// (emitters/targets.cc): the good request is accepted and reaches the emulated device; every
// refusal the vendor makes is made.
#include "testworld/fake_mdm.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "emitters/targets.h"
#include "plist/base64.h"
#include "plist/reader.h"
#include "plist/writer.h"
#include "tests/testworld/http_client.h"
#include "tests/testworld/testworld_util.h"

namespace cmdm::testworld {
namespace {

using nlohmann::json;
using testing::basic_auth;
using testing::HttpCall;
using testing::HttpReply;

constexpr const char* kDevice = "5A1C0FFE-0000-4000-8000-00000000D0E5";
constexpr const char* kSerial = "C02XK1ABJGH5";

class FakeMdmTest : public ::testing::Test {
 protected:
  void start(Vendor vendor, DeliveryPolicy delivery = {}) {
    FakeMdmOptions options{.vendor = vendor, .delivery = delivery};
    options.devices[kDevice] = dir_.file("device");
    options.serials[kSerial] = kDevice;
    options.user_channels["USER-CHANNEL-ALICE"] = {.device = kDevice, .user = "alice"};
    auto server = FakeMdm::start(options);
    ASSERT_TRUE(server.ok()) << server.error().format();
    server_ = std::move(*server);
    device_.emplace(std::move(*DeviceState::open(dir_.file("device"))));
  }
  // The body `cmdm build` writes for this vendor, with the slots the dispatcher fills.
  std::string body(std::string_view target, const std::string& profile, std::string uuid,
                   const std::string& device = kDevice, bool remove = false) {
    const emitters::Target* t = *emitters::find_target(target);
    std::string b =
        remove ? t->remove_body({.identifier = "com.example.testworld"})
               : t->install_body({.profile = profile, .identifier = "com.example.testworld"});
    if (t->fill_command_uuid) b = t->fill_command_uuid(b, uuid);
    if (t->fill_device_id) b = t->fill_device_id(b, device);
    return b;
  }
  HttpReply send(HttpCall call) { return testing::http(server_->port(), call); }
  std::size_t installed() { return device_->list()->size(); }
  testing::Ran device_profiles(const std::vector<std::string>& args) {
    return testing::run_device_profiles(dir_.file("device"), args);
  }

  testing::ScratchDir dir_;
  std::unique_ptr<FakeMdm> server_;
  std::optional<DeviceState> device_;
};

// ---- Workspace ONE ----

HttpCall wso_call(std::string body, std::string udid = kDevice) {
  return {.path = "/API/mdm/devices/commands?command=CustomMdmCommand&searchby=Udid&id=" + udid,
          .body = std::move(body),
          .headers = {{"Authorization", basic_auth("testworld", "testworld-password")},
                      {"aw-tenant-code", "testworld-tenant"}}};
}

TEST_F(FakeMdmTest, WorkspaceOneAcceptsAnInstallWith202AndTheDeviceGetsIt) {
  start(Vendor::kWorkspaceOne);
  HttpReply r = send(wso_call(body("workspaceone", testing::sample_profile(), "")));
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(installed(), 1u);
  r = send(wso_call(body("workspaceone", "", "", kDevice, /*remove=*/true)));
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(installed(), 0u);
  EXPECT_EQ(server_->stats().accepted, 2u);
}

TEST_F(FakeMdmTest, WorkspaceOneRefusesCommandXmlOver2000Utf16UnitsWith1012) {
  start(Vendor::kWorkspaceOne);
  // 1,600 characters of 'é' are 3,200 bytes but 1,600 UTF-16 units: inside the limit.
  std::string accents;
  for (int i = 0; i < 1600; ++i) accents += "\xC3\xA9";
  std::string dict =
      "<dict><key>RequestType</key><string>RemoveProfile</string>"
      "<key>Identifier</key><string>" +
      accents + "</string></dict>";
  ASSERT_LE(dict.size() - 1600, 2000u);
  EXPECT_EQ(send(wso_call(json{{"CommandXml", dict}}.dump())).status, 202);
  // The same with emoji: each is two UTF-16 units, so 1,600 of them exceed 2,000.
  std::string emoji;
  for (int i = 0; i < 1600; ++i) emoji += "\xF0\x9F\x98\x80";
  dict = "<dict><key>RequestType</key><string>RemoveProfile</string><key>Identifier</key><string>" +
         emoji + "</string></dict>";
  HttpReply r = send(wso_call(json{{"CommandXml", dict}}.dump()));
  ASSERT_EQ(r.status, 422);
  json answer = json::parse(r.body);
  EXPECT_EQ(answer["errorCode"], 1012);
  EXPECT_EQ(answer["message"], "CommandXml length cannot be greater than 2000");
  // An install the build would have split: a profile whose dict is past 2,000 characters.
  std::string big = testing::sample_profile() + std::string(1500, ' ');
  EXPECT_EQ(send(wso_call(body("workspaceone", big, ""))).status, 422);
  EXPECT_EQ(installed(), 0u);
}

TEST_F(FakeMdmTest, WorkspaceOneRefusesWrongCredentialsAndUnknownDevices) {
  start(Vendor::kWorkspaceOne);
  HttpCall call = wso_call(body("workspaceone", testing::sample_profile(), ""));
  call.headers["aw-tenant-code"] = "wrong";
  EXPECT_EQ(send(call).status, 401);
  call = wso_call(call.body);
  call.headers["Authorization"] = basic_auth("testworld", "wrong");
  EXPECT_EQ(send(call).status, 401);
  EXPECT_EQ(send(wso_call(call.body, "NOT-A-DEVICE")).status, 404);
  EXPECT_EQ(installed(), 0u);
  EXPECT_EQ(server_->stats().accepted, 0u);
}

HttpCall token_call(const std::string& secret, const std::string& grant = "client_credentials") {
  return {.path = "/connect/token",
          .body = "grant_type=" + grant + "&client_id=testworld-client&client_secret=" + secret,
          .content_type = "application/x-www-form-urlencoded"};
}

TEST_F(FakeMdmTest, WorkspaceOneIssuesExpiringOAuthTokensToItsClientOnly) {
  start(Vendor::kWorkspaceOne);
  HttpReply r = send(token_call("testworld-client-secret"));
  ASSERT_EQ(r.status, 200) << r.body;
  json answer = json::parse(r.body);
  EXPECT_EQ(answer["expires_in"], 3600);
  EXPECT_EQ(answer["token_type"], "Bearer");
  std::string token = answer["access_token"];

  HttpCall call = wso_call(body("workspaceone", testing::sample_profile(), ""));
  call.headers = {{"Authorization", "Bearer " + token}};  // no tenant code needed with OAuth2
  EXPECT_EQ(send(call).status, 202);
  server_->expire_tokens();
  EXPECT_EQ(send(call).status, 401);
  call.headers["Authorization"] = "Bearer made-up";
  EXPECT_EQ(send(call).status, 401);

  r = send(token_call("wrong-secret"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"], "invalid_client");
  EXPECT_EQ(send(token_call("testworld-client-secret", "password")).status, 400);
  EXPECT_EQ(server_->stats().token_requests, 3u);
  EXPECT_EQ(installed(), 1u);
}

// ---- MicroMDM ----

HttpCall micromdm_call(std::string body, const std::string& key = "testworld-api-key") {
  return {.path = "/v1/commands",
          .body = std::move(body),
          .headers = {{"Authorization", basic_auth("micromdm", key)}}};
}

TEST_F(FakeMdmTest, MicroMdmAnswers201WithTheCommandUuidAndTheDeviceGetsIt) {
  start(Vendor::kMicroMdm);
  HttpReply r = send(micromdm_call(body("micromdm", testing::sample_profile(), "")));
  ASSERT_EQ(r.status, 201) << r.body;
  json answer = json::parse(r.body);
  std::string uuid = answer["payload"]["command_uuid"];
  EXPECT_EQ(uuid.size(), 36u);
  EXPECT_EQ(answer["payload"]["command"]["request_type"], "InstallProfile");
  EXPECT_EQ(installed(), 1u);
  EXPECT_EQ(server_->stats().by_command_uuid.at(uuid), 1u);
}

TEST_F(FakeMdmTest, MicroMdmAcceptsAnUnknownUdidButNeverDeliversIt) {
  start(Vendor::kMicroMdm);
  HttpReply r = send(micromdm_call(body("micromdm", testing::sample_profile(), "", "UNKNOWN")));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(installed(), 0u);
  EXPECT_EQ(server_->stats().undelivered, 1u);
  EXPECT_EQ(server_->stats().delivered, 0u);
}

TEST_F(FakeMdmTest, MicroMdmRefusesAMissingUdidAndAWrongKey) {
  start(Vendor::kMicroMdm);
  HttpReply r = send(micromdm_call(R"({"request_type":"InstallProfile","payload":""})"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(json::parse(r.body)["error"], "request must contain UDID of the device");
  r = send(micromdm_call(body("micromdm", testing::sample_profile(), ""), "wrong"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, "Authorization Required\n");
  EXPECT_EQ(installed(), 0u);
}

// ---- NanoMDM ----

HttpCall nanomdm_call(std::string body, const std::string& id = kDevice,
                      const std::string& key = "testworld-api-key") {
  return {.method = "PUT",
          .path = "/v1/enqueue/" + id,
          .body = std::move(body),
          .content_type = "application/xml",
          .headers = {{"Authorization", basic_auth("nanomdm", key)}}};
}

TEST_F(FakeMdmTest, NanoMdmEnqueuesWith200AndTheDeviceGetsIt) {
  start(Vendor::kNanoMdm);
  std::string uuid = "0C1D2E3F-0000-4000-8000-000000000001";
  HttpReply r = send(nanomdm_call(body("nanomdm", testing::sample_profile(), uuid)));
  ASSERT_EQ(r.status, 200) << r.body;
  json answer = json::parse(r.body);
  EXPECT_EQ(answer["command_uuid"], uuid);
  EXPECT_EQ(answer["request_type"], "InstallProfile");
  EXPECT_TRUE(answer["status"].contains(kDevice));
  EXPECT_EQ(installed(), 1u);
}

TEST_F(FakeMdmTest, NanoMdmDeliversASignedProfileThatTheDeviceUnwraps) {
  start(Vendor::kNanoMdm);
  std::string cms = testing::signed_profile(dir_, testing::sample_profile());
  if (cms.empty()) GTEST_SKIP() << "openssl command unavailable";
  HttpReply r = send(nanomdm_call(body("nanomdm", cms, "0C1D2E3F-0000-4000-8000-00000000005C")));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(installed(), 1u);
  EXPECT_TRUE(device_->list()->at(0).signed_profile);
  testing::Ran shown = device_profiles({"show", "-output", "stdout-xml"});
  EXPECT_NE(shown.out.find("<string>verified</string>"), std::string::npos) << shown.out;
}

TEST_F(FakeMdmTest, NanoMdmRefusesADuplicateCommandUuid) {
  start(Vendor::kNanoMdm);
  std::string b =
      body("nanomdm", testing::sample_profile(), "0C1D2E3F-0000-4000-8000-000000000002");
  ASSERT_EQ(send(nanomdm_call(b)).status, 200);
  ASSERT_TRUE(device_->remove("com.example.testworld").ok());
  HttpReply r = send(nanomdm_call(b));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(json::parse(r.body)["command_error"].get<std::string>().find("Duplicate entry"),
            std::string::npos);
  EXPECT_EQ(installed(), 0u);
}

TEST_F(FakeMdmTest, NanoMdmRefusesWhatItsStorageCannotHold) {
  start(Vendor::kNanoMdm);
  // A binary plist is a valid command but fails CHECK (command starts with '<?xml').
  std::string xml =
      body("nanomdm", testing::sample_profile(), "0C1D2E3F-0000-4000-8000-000000000003");
  Result<std::string> binary = plist::write_binary(plist::read(xml)->root);
  EXPECT_EQ(send(nanomdm_call(*binary)).status, 500);
  // No CommandUUID: not a command (mdm/command.go).
  EXPECT_EQ(
      send(nanomdm_call("<?xml version=\"1.0\"?><plist><dict><key>Command</key><dict><key>"
                        "RequestType</key><string>ProfileList</string></dict></dict></plist>"))
          .status,
      500);
  // Past MEDIUMTEXT's 16,777,215 bytes.
  std::string huge =
      body("nanomdm", std::string(12600000, 'x'), "0C1D2E3F-0000-4000-8000-000000000004");
  ASSERT_GT(huge.size(), 16777215u);
  HttpCall huge_call = nanomdm_call(huge);
  huge_call.timeout_ms = 60000;  // 16 MiB through a sanitizer build
  HttpReply r = send(huge_call);
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("Data too long"), std::string::npos);
  // An enrollment the server does not know, and a wrong key.
  EXPECT_EQ(send(nanomdm_call(xml, "NOT-ENROLLED")).status, 500);
  EXPECT_EQ(send(nanomdm_call(xml, kDevice, "wrong")).status, 401);
  EXPECT_EQ(installed(), 0u);
}

// ---- Fleet ----

HttpCall fleet_call(std::string body, const std::string& token = "testworld-token") {
  return {.path = "/api/v1/fleet/commands/run",
          .body = std::move(body),
          .headers = {{"Authorization", "Bearer " + token}}};
}

TEST_F(FakeMdmTest, FleetRunsTheCommandWith200AndTheDeviceGetsIt) {
  start(Vendor::kFleet);
  std::string uuid = "0C1D2E3F-0000-4000-8000-000000000005";
  HttpReply r = send(fleet_call(body("fleet", testing::sample_profile(), uuid)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["command_uuid"], uuid);
  EXPECT_EQ(installed(), 1u);
  // The same CommandUUID again is a storage conflict, passed on as an internal error.
  r = send(fleet_call(body("fleet", testing::sample_profile(), uuid)));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(server_->stats().by_command_uuid.at(uuid), 2u);
}

// The multipart upload `cmdm build --target fleet-profiles` writes, as Fleet takes it.
HttpCall fleet_profile_upload(const testing::SampleProfile& profile) {
  const emitters::Target* t = *emitters::find_target("fleet-profiles");
  std::string form = t->install_body(
      {.profile = testing::sample_profile(profile), .identifier = profile.identifier});
  std::string boundary = form.substr(2, form.find("\r\n") - 2);
  return {.path = "/api/v1/fleet/configuration_profiles",
          .body = form,
          .content_type = "multipart/form-data; boundary=" + boundary,
          .headers = {{"Authorization", "Bearer testworld-token"}}};
}

TEST_F(FakeMdmTest, FleetKeepsManagedProfilesUniquePerTeamAndDeliversThem) {
  start(Vendor::kFleet);
  HttpReply r = send(fleet_profile_upload({}));
  ASSERT_EQ(r.status, 200) << r.body;
  std::string uuid = json::parse(r.body)["profile_uuid"];
  EXPECT_EQ(uuid.rfind("a", 0), 0u);
  EXPECT_EQ(installed(), 1u);
  // The same identifier, or another identifier with the same display name: 409.
  EXPECT_EQ(send(fleet_profile_upload({})).status, 409);
  EXPECT_EQ(send(fleet_profile_upload({.identifier = "com.example.other"})).status, 409);
  HttpReply list = send({.method = "GET",
                         .path = "/api/v1/fleet/configuration_profiles",
                         .headers = {{"Authorization", "Bearer testworld-token"}}});
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body)["profiles"][0]["identifier"], "com.example.testworld");
  HttpCall remove{.method = "DELETE",
                  .path = "/api/v1/fleet/configuration_profiles/" + uuid,
                  .headers = {{"Authorization", "Bearer testworld-token"}}};
  EXPECT_EQ(send(remove).status, 200);
  EXPECT_EQ(installed(), 0u);
  EXPECT_EQ(send(remove).status, 404);
  EXPECT_EQ(send(fleet_profile_upload({})).status, 200) << "the identifier is free again";
}

TEST_F(FakeMdmTest, FleetFindsAHostBySerialNumber) {
  start(Vendor::kFleet);
  HttpCall get{.method = "GET",
               .path = std::string("/api/v1/fleet/hosts/identifier/") + kSerial,
               .headers = {{"Authorization", "Bearer testworld-token"}}};
  HttpReply r = send(get);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["host"]["uuid"], kDevice);
  get.path = "/api/v1/fleet/hosts/identifier/NOSUCHSERIAL";
  EXPECT_EQ(send(get).status, 404);
}

TEST_F(FakeMdmTest, MicroMdmListsTheDevicesOfTheFilteredSerials) {
  start(Vendor::kMicroMdm);
  HttpCall call = micromdm_call(json{{"filter_serial", {kSerial, "NOSUCHSERIAL"}}}.dump());
  call.path = "/v1/devices";
  HttpReply r = send(call);
  ASSERT_EQ(r.status, 200) << r.body;
  json devices = json::parse(r.body)["devices"];
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0]["udid"], kDevice);
  EXPECT_EQ(devices[0]["serial_number"], kSerial);
}

TEST_F(FakeMdmTest, NanoMdmDeliversAUserChannelsCommandToThatUser) {
  start(Vendor::kNanoMdm);
  HttpReply r = send(nanomdm_call(
      body("nanomdm", testing::sample_profile(), "0C1D2E3F-0000-4000-8000-0000000000A1"),
      "USER-CHANNEL-ALICE"));
  ASSERT_EQ(r.status, 200) << r.body;
  Result<std::vector<InstalledProfile>> listing = device_->list();
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->size(), 1u);
  EXPECT_EQ((*listing)[0].owner, "alice");
}

TEST_F(FakeMdmTest, WorkspaceOneFindsADeviceBySerialNumber) {
  start(Vendor::kWorkspaceOne);
  HttpCall call = wso_call(body("workspaceone", testing::sample_profile(), ""));
  call.path =
      std::string("/API/mdm/devices/commands?command=CustomMdmCommand&searchby=Serialnumber&id=") +
      kSerial;
  EXPECT_EQ(send(call).status, 202);
  EXPECT_EQ(installed(), 1u);
}

TEST_F(FakeMdmTest, FleetRefusesBadTokensHostsEncodingsAndSizes) {
  start(Vendor::kFleet);
  std::string good =
      body("fleet", testing::sample_profile(), "0C1D2E3F-0000-4000-8000-000000000006");
  EXPECT_EQ(send(fleet_call(good, "wrong")).status, 401);
  EXPECT_EQ(send(fleet_call(body("fleet", testing::sample_profile(), "X", "UNKNOWN"))).status, 404);
  EXPECT_EQ(send(fleet_call(R"({"command":"!@#","host_uuids":[")" + std::string(kDevice) + "\"]}"))
                .status,
            400);
  std::string not_plist = plist::base64_encode(std::string("hello"));
  EXPECT_EQ(send(fleet_call(R"({"command":")" + not_plist + R"(","host_uuids":[")" +
                            std::string(kDevice) + "\"]}"))
                .status,
            415);
  HttpReply r = send(fleet_call(body("fleet", std::string(1700000, 'x'), "Y")));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(installed(), 0u);
  // Unpadded base64 is accepted too (Base64DecodePaddingAgnostic).
  json j = json::parse(good);
  std::string command = j["command"];
  while (!command.empty() && command.back() == '=') command.pop_back();
  j["command"] = command;
  EXPECT_EQ(send(fleet_call(j.dump())).status, 200);
  EXPECT_EQ(installed(), 1u);
}

// ---- Counts and delivery ----

TEST_F(FakeMdmTest, CountsEveryRequestByRouteStatusAndCommandUuid) {
  start(Vendor::kNanoMdm);
  std::string uuid = "0C1D2E3F-0000-4000-8000-000000000007";
  std::string b = body("nanomdm", testing::sample_profile(), uuid);
  send(nanomdm_call(b));
  send(nanomdm_call(b));
  send(nanomdm_call(b, kDevice, "wrong"));
  send({.method = "GET", .path = "/nowhere"});
  FakeMdmStats s = server_->stats();
  EXPECT_EQ(s.vendor, "nanomdm");
  EXPECT_EQ(s.requests, 4u);
  EXPECT_EQ(s.by_route.at(std::string("PUT /v1/enqueue/") + kDevice), 3u);
  EXPECT_EQ(s.by_route.at("GET /nowhere"), 1u);
  EXPECT_EQ(s.by_status.at(200), 1u);
  EXPECT_EQ(s.by_status.at(500), 1u);
  EXPECT_EQ(s.by_status.at(401), 1u);
  EXPECT_EQ(s.by_status.at(404), 1u);
  EXPECT_EQ(s.by_command_uuid.at(uuid), 2u);
  EXPECT_EQ(s.accepted, 1u);
  EXPECT_EQ(s.device_applied, 1u);
  HttpReply r = send({.method = "GET", .path = "/_fake/stats"});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, server_->stats().to_json());
  EXPECT_EQ(server_->stats().requests, 4u);  // the stats endpoint is not counted
  HttpReply metrics = send({.method = "GET", .path = "/_fake/metrics"});
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("fake_mdm_requests_total{vendor=\"nanomdm\"} 4\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("fake_mdm_responses_total{status=\"500\"} 1\n"), std::string::npos);
}

TEST_F(FakeMdmTest, CountsConcurrentRequestsExactly) {
  start(Vendor::kNanoMdm);
  constexpr int kClients = 16, kEach = 8;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        char uuid[40];
        std::snprintf(uuid, sizeof uuid, "0C1D2E3F-0000-4000-8000-%06d%06d", c, i);
        if (send(nanomdm_call(body("nanomdm", testing::sample_profile(), uuid))).status == 200) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  FakeMdmStats s = server_->stats();
  EXPECT_EQ(ok.load(), kClients * kEach);
  EXPECT_EQ(s.requests, static_cast<std::size_t>(kClients * kEach));
  EXPECT_EQ(s.accepted, static_cast<std::size_t>(kClients * kEach));
  EXPECT_EQ(s.by_command_uuid.size(), static_cast<std::size_t>(kClients * kEach));
  EXPECT_EQ(s.device_applied, static_cast<std::size_t>(kClients * kEach));
  EXPECT_EQ(installed(), 1u);
}

TEST_F(FakeMdmTest, DeliveryWaitsForTheDevicesNextPoll) {
  start(Vendor::kMicroMdm, {.mode = DeliveryPolicy::Mode::kOnNextPoll});
  ASSERT_EQ(send(micromdm_call(body("micromdm", testing::sample_profile(), ""))).status, 201);
  EXPECT_EQ(installed(), 0u);
  testing::Ran ran = device_profiles({"list"});
  EXPECT_EQ(ran.status, 0);
  EXPECT_NE(ran.out.find("com.example.testworld"), std::string::npos) << ran.out;
  EXPECT_EQ(installed(), 1u);
}

TEST_F(FakeMdmTest, DelayedDeliveryArrivesAfterTheDelay) {
  start(Vendor::kMicroMdm, {.mode = DeliveryPolicy::Mode::kAfterDelay, .delay_ms = 200});
  ASSERT_EQ(send(micromdm_call(body("micromdm", testing::sample_profile(), ""))).status, 201);
  EXPECT_EQ(installed(), 0u);
  ASSERT_TRUE(server_->drain(5000));
  EXPECT_EQ(installed(), 1u);
}

TEST(FakeMdmStart, RefusesAnUnknownVendorName) {
  Result<Vendor> v = parse_vendor("airwatch");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().format().find("workspaceone, micromdm, nanomdm or fleet"), std::string::npos);
  EXPECT_EQ(*parse_vendor("fleet"), Vendor::kFleet);
}

}  // namespace
}  // namespace cmdm::testworld
