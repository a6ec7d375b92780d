// Each body read as the receiving server's own code reads it. Every test quotes the rule it checks
// and names the repository file (or published API document) the rule comes from, so a change on
// the vendor's side can be traced to the test that encodes it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>

#include "emitters/targets.h"
#include "plist/base64.h"
#include "plist/reader.h"

namespace cmdm::emitters {
namespace {

const Target& get(std::string_view name) {
  Result<const Target*> t = find_target(name);
  EXPECT_TRUE(t.ok()) << name;
  return **t;
}

const std::string kProfile =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
    "<key>PayloadDisplayName</key><string>Dock</string>"
    "<key>PayloadIdentifier</key><string>com.example.dock</string>"
    "<key>PayloadType</key><string>Configuration</string></dict></plist>\n";

plist::Value profile_with(const std::string& payloads, const std::string& display = "Dock") {
  std::string text =
      "<plist version=\"1.0\"><dict><key>PayloadDisplayName</key><string>" + display +
      "</string><key>PayloadIdentifier</key><string>com.example.p</string>"
      "<key>PayloadType</key><string>Configuration</string><key>PayloadContent</key><array>" +
      payloads + "</array></dict></plist>";
  Result<plist::Document> doc = plist::read(text);
  EXPECT_TRUE(doc.ok());
  return doc->root;
}

std::string payload(const std::string& type, const std::string& id, const std::string& extra = "") {
  return "<dict><key>PayloadType</key><string>" + type +
         "</string><key>PayloadIdentifier</key><string>" + id + "</string>" + extra + "</dict>";
}

std::string decode(std::string_view b64) {
  auto bytes = plist::base64_decode(b64);
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

// fleetdm/fleet server/mdm/apple/mobileconfig/mobileconfig.go:
//   func (mc Mobileconfig) isSignedProfile() bool {
//     return !bytes.HasPrefix(bytes.TrimSpace(mc), []byte("<?xml")) }
// Anything else is parsed as CMS, so an unsigned profile must start with the XML declaration.
bool fleet_reads_as_xml(std::string_view profile) {
  while (!profile.empty() && std::isspace(static_cast<unsigned char>(profile.front()))) {
    profile.remove_prefix(1);
  }
  return profile.starts_with("<?xml");
}

TEST(FleetRules, BothFleetTargetsKeepTheXmlDeclarationAndRefuseBinary) {
  for (std::string_view name : {"fleet", "fleet-profiles"}) {
    const Target& t = get(name);
    EXPECT_TRUE(t.needs_xml_declaration) << name;
    EXPECT_FALSE(t.accepts_binary) << name;
  }
  EXPECT_TRUE(fleet_reads_as_xml(kProfile));
}

TEST(FleetRules, ManagedProfileUploadIsAMultipartFormWithTheProfileFile) {
  // Fleet REST API "Add custom OS setting (configuration profile)": multipart/form-data with the
  // file in `profile`, optional `team_id`, and `labels_include_all`.
  const Target& t = get("fleet-profiles");
  VendorOptions vendor{.fleet_team = "7", .fleet_labels = {"Engineering", "Macs"}};
  std::string body =
      t.install_body({.profile = kProfile, .identifier = "com.example.dock", .vendor = &vendor});
  const std::string boundary = body.substr(2, body.find("\r\n") - 2);
  ASSERT_TRUE(boundary.starts_with("cmdm-"));
  EXPECT_EQ(body.find(boundary, 2 + boundary.size()) == std::string::npos, false);
  EXPECT_TRUE(body.ends_with("--" + boundary + "--\r\n"));
  const std::string file_header =
      "Content-Disposition: form-data; name=\"profile\"; filename=\"profile.mobileconfig\"\r\n";
  const std::size_t at = body.find(file_header);
  ASSERT_NE(at, std::string::npos);
  const std::size_t start = body.find("\r\n\r\n", at) + 4;
  EXPECT_EQ(body.substr(start, kProfile.size()), kProfile);
  EXPECT_TRUE(fleet_reads_as_xml(body.substr(start)));
  EXPECT_NE(body.find("name=\"team_id\"\r\n\r\n7\r\n"), std::string::npos);
  EXPECT_NE(body.find("name=\"labels_include_all\"\r\n\r\nEngineering\r\n"), std::string::npos);
  EXPECT_NE(body.find("name=\"labels_include_all\"\r\n\r\nMacs\r\n"), std::string::npos);
  // Without team and labels the size model is exact.
  EXPECT_EQ(t.command_size(kProfile),
            t.install_body({.profile = kProfile, .identifier = "x"}).size());
  EXPECT_EQ(t.default_limit, 2u * 1024 * 1024 - 4096);
}

TEST(FleetRules, FileVaultAndEscrowPayloadTypesAreRefused) {
  // mobileconfig.go ScreenPayloads: FleetFileVaultPayloadType "com.apple.MCX.FileVault2" and
  // FleetRecoveryKeyEscrowPayloadType "com.apple.security.FDERecoveryKeyEscrow" return
  // DiskEncryptionProfileRestrictionErrMsg; "com.apple.security.FDERecoveryRedirect" is an
  // unsupported PayloadType.
  const Target& t = get("fleet-profiles");
  for (const char* type : {"com.apple.MCX.FileVault2", "com.apple.security.FDERecoveryKeyEscrow",
                           "com.apple.security.FDERecoveryRedirect"}) {
    plist::Value p = profile_with(payload(type, "com.example.fv"));
    EXPECT_NE(t.refusal({p}).find(type), std::string::npos) << type;
  }
  plist::Value ok = profile_with(payload("com.apple.dock", "com.example.dock"));
  EXPECT_EQ(t.refusal({ok}), "");
}

TEST(FleetRules, CustomSettingsWithFileVaultOptionsAreRefused) {
  // file_vault_options.go ContainsFDEFileVaultOptionsPayload: a com.apple.MCX payload with
  // dontAllowFDEDisable, dontAllowFDEEnable or DestroyFVKeyOnStandby.
  const Target& t = get("fleet");
  plist::Value fv = profile_with(
      payload("com.apple.MCX", "com.example.mcx", "<key>dontAllowFDEDisable</key><true/>"));
  EXPECT_NE(t.refusal({fv}).find("FileVault"), std::string::npos);
  plist::Value plain = profile_with(payload("com.apple.MCX", "com.example.mcx",
                                            "<key>com.apple.cachedaccounts.CreateAtLogin"
                                            "</key><true/>"));
  EXPECT_EQ(t.refusal({plain}), "");
}

TEST(FleetRules, ReservedIdentifiersAndDisplayNamesAreRefused) {
  // mobileconfig.go FleetPayloadIdentifiers (com.fleetdm.fleet.mdm.filevault,
  // com.fleetdm.fleetd.config, com.fleetdm.caroot): cmdm keeps the whole com.fleetdm. namespace
  // for Fleet. server/mdm/profiles.go FleetReservedProfileNames: "Fleetd configuration", "Disk
  // encryption", ...
  const Target& t = get("fleet");
  plist::Value id = profile_with(payload("com.apple.dock", "com.fleetdm.fleetd.config"));
  EXPECT_NE(t.refusal({id}).find("com.fleetdm.fleetd.config"), std::string::npos);
  plist::Value name = profile_with(payload("com.apple.dock", "com.example.d"), "Disk encryption");
  EXPECT_NE(t.refusal({name}).find("Disk encryption"), std::string::npos);
  // mobileconfig.go ParseConfigProfile: `empty PayloadDisplayName in profile`.
  plist::Value unnamed = profile_with(payload("com.apple.dock", "com.example.d"), "");
  EXPECT_NE(t.refusal({unnamed}).find("PayloadDisplayName"), std::string::npos);
}

TEST(NanoMdmRules, BodyStartsWithTheXmlPrologAndCarriesCommandUuidAndRequestType) {
  // micromdm/nanomdm storage/mysql and storage/pgsql: the enqueued raw command must begin with
  // "<?xml"; mdm.DecodeCommand requires CommandUUID and Command.RequestType.
  const Target& t = get("nanomdm");
  for (const std::string& body :
       {t.install_body({.profile = kProfile}), t.remove_body({.identifier = "com.example"})}) {
    EXPECT_TRUE(body.starts_with("<?xml"));
    Result<plist::Document> doc = plist::read(body);
    ASSERT_TRUE(doc.ok());
    ASSERT_NE(doc->root.get_string("CommandUUID"), nullptr);
    ASSERT_NE(doc->root.get("Command"), nullptr);
    EXPECT_NE(doc->root.get("Command")->get_string("RequestType"), nullptr);
  }
  // MySQL MEDIUMTEXT holds at most 16,777,215 bytes.
  EXPECT_EQ(t.default_limit, 16'777'215u);
}

TEST(NanoMdmRules, InstallAndRemoveCarryDifferentCommandUuidPlaceholders) {
  // NanoMDM refuses a CommandUUID it has seen: one forgotten placeholder is accepted once, then
  // every later command with it is refused. Distinct placeholders keep install and remove apart,
  // and the manifest lists each slot so a sender fills it per send.
  const Target& t = get("nanomdm");
  Result<plist::Document> install = plist::read(t.install_body({.profile = kProfile}));
  Result<plist::Document> remove = plist::read(t.remove_body({.identifier = "com.example"}));
  ASSERT_TRUE(install.ok() && remove.ok());
  EXPECT_EQ(*install->root.get_string("CommandUUID"), kInstallCommandUuidPlaceholder);
  EXPECT_EQ(*remove->root.get_string("CommandUUID"), kRemoveCommandUuidPlaceholder);
  for (const RequestSpec& r : t.requests) {
    bool has_uuid_slot = false;
    for (const Slot& s : r.slots) has_uuid_slot = has_uuid_slot || s.name == "command_uuid";
    EXPECT_TRUE(has_uuid_slot) << r.action;
  }
}

TEST(MicroMdmRules, BodyNamesTheDeviceThroughASlotTheSenderMustFill) {
  // micromdm/micromdm docs/user-guide/api-and-webhooks.md: POST /v1/commands with `udid`,
  // `request_type`, and `payload` (base64) for InstallProfile. MicroMDM answers 201 even for an
  // unknown udid and queues the command for no device, so the slot is listed in the manifest.
  const Target& t = get("micromdm");
  nlohmann::json j = nlohmann::json::parse(t.install_body({.profile = kProfile}));
  EXPECT_EQ(j.at("request_type"), "InstallProfile");
  EXPECT_EQ(j.at("udid"), kDeviceIdPlaceholder);
  EXPECT_EQ(decode(j.at("payload").get<std::string>()), kProfile);
  ASSERT_FALSE(t.requests.empty());
  EXPECT_EQ(t.requests[0].success, std::vector<int>{201});
  EXPECT_EQ(t.requests[0].slots.at(0).name, "device_id");
  EXPECT_EQ(t.requests[0].slots.at(0).placeholder, kDeviceIdPlaceholder);
}

TEST(JamfRules, ObjectHasLevelDistributionAndTheChosenScope) {
  // Jamf Pro Classic API, os_x_configuration_profile: an object without <scope> installs on no
  // computer; general/level is "computer" or "user".
  const Target& t = get("jamf");
  auto parse = [](const std::string& body, pugi::xml_document& doc) {
    EXPECT_TRUE(doc.load_buffer(body.data(), body.size()));
    return doc.child("os_x_configuration_profile");
  };
  VendorOptions all{.jamf_scope = "all-computers"};
  pugi::xml_document a;
  pugi::xml_node obj = parse(
      t.install_body({.profile = kProfile, .identifier = "com.example.dock", .vendor = &all}), a);
  EXPECT_STREQ(obj.child("general").child("level").text().get(), "computer");
  EXPECT_STREQ(obj.child("general").child("distribution_method").text().get(),
               "Install Automatically");
  EXPECT_STREQ(obj.child("scope").child("all_computers").text().get(), "true");

  VendorOptions group{.jamf_scope = "Lab Macs & Kiosks"};
  pugi::xml_document g;
  obj = parse(t.install_body({.profile = kProfile,
                              .identifier = "com.example.dock",
                              .user_scope = true,
                              .vendor = &group}),
              g);
  EXPECT_STREQ(obj.child("general").child("level").text().get(), "user");
  EXPECT_STREQ(obj.child("scope").child("all_computers").text().get(), "false");
  EXPECT_STREQ(obj.child("scope")
                   .child("computer_groups")
                   .child("computer_group")
                   .child("name")
                   .text()
                   .get(),
               "Lab Macs & Kiosks");
}

TEST(JamfRules, CreateAndUpdateAreDistinctRequests) {
  // A second POST of a name is refused (409); an update is a PUT to .../name/{name}; DELETE
  // removes the profile from every computer.
  const Target& t = get("jamf");
  std::vector<std::string> seen;
  for (const RequestSpec& r : t.requests)
    seen.push_back(std::string(r.action) + " " + std::string(r.method));
  EXPECT_EQ(seen, (std::vector<std::string>{"install POST", "update PUT", "remove DELETE"}));
}

TEST(WorkspaceOneRules, SizeErrorIsErrorCode1012AndCountsCommandXml) {
  // Workspace ONE's refusal: HTTP 422, errorCode 1012, "CommandXml length cannot be greater than
  // 2000" -- the limit counts CommandXml's characters, not the request body.
  const Target& t = get("workspaceone");
  ASSERT_TRUE(t.size_error.has_value());
  EXPECT_EQ(t.size_error->status, 422);
  EXPECT_EQ(t.size_error->match, "1012");
  nlohmann::json j = nlohmann::json::parse(t.install_body({.profile = kProfile}));
  EXPECT_EQ(utf16_length(j.at("CommandXml").get<std::string>()), t.command_size(kProfile));
  EXPECT_EQ(t.default_limit, 2000u);
  EXPECT_EQ(t.requests.at(0).success, std::vector<int>{202});
}

}  // namespace
}  // namespace cmdm::emitters
