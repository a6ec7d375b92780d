// Contract tests for the target registry: each body is parsed the way its vendor parses it
// (JSON, then the plist inside; Jamf's XML object) and must carry exactly the profile's bytes.
#include "emitters/targets.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <string>

#include "plist/base64.h"

namespace cmdm::emitters {
namespace {

// A small profile with the characters XML and JSON escape, and a CRLF.
const std::string kProfile =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<plist version=\"1.0\"><dict>"
    "<key>PayloadIdentifier</key><string>com.example.a&amp;b \"q\" caf\xC3\xA9</string>"
    "<key>PayloadType</key><string>Configuration</string></dict></plist>\n";

const Target& get(std::string_view name) {
  Result<const Target*> t = find_target(name);
  EXPECT_TRUE(t.ok());
  return **t;
}

std::string install(const Target& t, std::string_view profile, std::string_view identifier) {
  return t.install_body({.profile = profile, .identifier = identifier});
}
std::string remove(const Target& t, std::string_view identifier) {
  return t.remove_body({.identifier = identifier});
}

std::string decode(const std::string& b64) {
  auto bytes = plist::base64_decode(b64);
  EXPECT_TRUE(bytes.has_value()) << b64;
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

// The value after <key>name</key> in a pugixml <dict> node.
pugi::xml_node dict_value(pugi::xml_node dict, const char* name) {
  for (pugi::xml_node n = dict.first_child(); n; n = n.next_sibling()) {
    if (std::string_view(n.name()) == "key" && std::string_view(n.text().get()) == name) {
      return n.next_sibling();
    }
  }
  return {};
}

// Parses a full command plist as an MDM server would and returns its Command dict.
pugi::xml_node command_dict(pugi::xml_document& doc, const std::string& text, std::string* uuid) {
  pugi::xml_parse_result r = doc.load_buffer(text.data(), text.size());
  EXPECT_TRUE(r) << r.description();
  EXPECT_EQ(text.rfind("<?xml", 0), 0u);
  pugi::xml_node root = doc.child("plist").child("dict");
  EXPECT_TRUE(root);
  *uuid = dict_value(root, "CommandUUID").text().get();
  return dict_value(root, "Command");
}

TEST(Targets, TableListsEveryDesignTargetInOrder) {
  std::vector<std::string> names;
  for (const Target& t : targets()) names.emplace_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"workspaceone", "micromdm", "nanomdm", "fleet",
                                             "fleet-profiles", "jamf", "raw", "local"}));
  for (const Target& t : targets()) {
    EXPECT_FALSE(t.description.empty());
    EXPECT_FALSE(t.limit_counts.empty());
    EXPECT_NE(t.install_body, nullptr);
    EXPECT_NE(t.command_size, nullptr);
    EXPECT_EQ(t.remove_body == nullptr, !t.is_mdm || t.name == "jamf" || t.name == "fleet-profiles")
        << t.name;
  }
}

TEST(Targets, UnknownNameSuggestsTheClosest) {
  Result<const Target*> t = find_target("workspace1");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ExitCode::kUsage);
  EXPECT_EQ(
      t.error().diagnostics[0].message,
      "unknown target 'workspace1'; did you mean 'workspaceone'? (`cmdm targets` lists them)");
}

TEST(Targets, ParsesCommaSeparatedListsWithoutDuplicates) {
  auto list = parse_target_list("fleet,local,fleet");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0]->name, "fleet");
  EXPECT_EQ((*list)[1]->name, "local");
  EXPECT_FALSE(parse_target_list("fleet,nope").ok());
  EXPECT_FALSE(parse_target_list("").ok());
}

TEST(Targets, PlaceholdersHaveTheLengthOfARealUuid) {
  EXPECT_EQ(kInstallCommandUuidPlaceholder.size(), 36u);
  EXPECT_EQ(kRemoveCommandUuidPlaceholder.size(), 36u);
  EXPECT_NE(kInstallCommandUuidPlaceholder, kRemoveCommandUuidPlaceholder);
  EXPECT_EQ(kDeviceIdPlaceholder.size(), 36u);
}

TEST(WorkspaceOne, InstallBodyIsCommandXmlWithTheInnerDictOnly) {
  const Target& t = get("workspaceone");
  std::string body = install(t, kProfile, "com.example");
  nlohmann::json j = nlohmann::json::parse(body);
  ASSERT_EQ(j.size(), 1u);
  std::string xml = j.at("CommandXml").get<std::string>();
  EXPECT_EQ(xml.rfind("<dict>", 0), 0u);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  pugi::xml_node dict = doc.child("dict");
  EXPECT_STREQ(dict_value(dict, "RequestType").text().get(), "InstallProfile");
  EXPECT_EQ(std::string_view(dict_value(dict, "Payload").name()), "data");
  EXPECT_EQ(decode(dict_value(dict, "Payload").text().get()), kProfile);
}

TEST(WorkspaceOne, SizeIsTheCharacterCountOfCommandXml) {
  const Target& t = get("workspaceone");
  for (std::size_t n : {0, 1, 2, 3, 100, 1400, 5000}) {
    std::string profile(n, 'x');
    nlohmann::json j = nlohmann::json::parse(install(t, profile, "id"));
    EXPECT_EQ(t.command_size(profile), utf16_length(j["CommandXml"].get<std::string>()));
    EXPECT_EQ(t.command_size(profile), j["CommandXml"].get<std::string>().size());
  }
  EXPECT_EQ(t.default_limit, 2000u);
}

// Sizes are computed from the profile's length where the body is markup around base64; every
// target's size must still equal what is counted on the body it really builds, for any content.
TEST(Targets, SizeMatchesTheBuiltBodyForEveryTargetAndLength) {
  for (const Target& t : targets()) {
    for (std::size_t n : {0, 1, 2, 3, 4, 5, 100, 1399, 1400, 1401, 5000}) {
      std::string profile;
      for (std::size_t i = 0; i < n; ++i) profile += kProfile[i % kProfile.size()];
      const std::string body = install(t, profile, "");
      std::size_t counted = body.size();
      if (t.name == "workspaceone") {
        counted = utf16_length(nlohmann::json::parse(body)["CommandXml"].get<std::string>());
      }
      EXPECT_EQ(t.command_size(profile), counted) << t.name << " with " << n << " bytes";
    }
  }
}

TEST(WorkspaceOne, RemoveBodyNamesTheIdentifierEscaped) {
  const Target& t = get("workspaceone");
  nlohmann::json j = nlohmann::json::parse(remove(t, "com.example.a&b<c>"));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(j.at("CommandXml").get<std::string>().c_str()));
  pugi::xml_node dict = doc.child("dict");
  EXPECT_STREQ(dict_value(dict, "RequestType").text().get(), "RemoveProfile");
  EXPECT_STREQ(dict_value(dict, "Identifier").text().get(), "com.example.a&b<c>");
}

TEST(MicroMdm, InstallBodyFollowsTheCommandsApi) {
  const Target& t = get("micromdm");
  std::string body = install(t, kProfile, "com.example");
  EXPECT_EQ(body.rfind("{\"udid\":", 0), 0u);
  nlohmann::json j = nlohmann::json::parse(body);
  EXPECT_EQ(j.at("udid"), std::string(kDeviceIdPlaceholder));
  EXPECT_EQ(j.at("request_type"), "InstallProfile");
  EXPECT_EQ(decode(j.at("payload").get<std::string>()), kProfile);
  EXPECT_EQ(t.command_size(kProfile), body.size());
  nlohmann::json filled = nlohmann::json::parse(t.fill_device_id(body, "UDID-1"));
  EXPECT_EQ(filled.at("udid"), "UDID-1");
  EXPECT_EQ(filled.at("payload"), j.at("payload"));
}

TEST(MicroMdm, RemoveBodyCarriesTheIdentifier) {
  nlohmann::json j = nlohmann::json::parse(remove(get("micromdm"), "com.example \"x\""));
  EXPECT_EQ(j.at("request_type"), "RemoveProfile");
  EXPECT_EQ(j.at("identifier"), "com.example \"x\"");
}

TEST(NanoMdm, InstallBodyIsAFullCommandPlistWithAUuidSlot) {
  const Target& t = get("nanomdm");
  std::string body = install(t, kProfile, "com.example");
  pugi::xml_document doc;
  std::string uuid;
  pugi::xml_node command = command_dict(doc, body, &uuid);
  EXPECT_EQ(uuid, kInstallCommandUuidPlaceholder);
  EXPECT_STREQ(dict_value(command, "RequestType").text().get(), "InstallProfile");
  EXPECT_EQ(decode(dict_value(command, "Payload").text().get()), kProfile);
  EXPECT_EQ(t.command_size(kProfile), body.size());
  EXPECT_EQ(t.default_limit, 16'777'215u);  // MySQL MEDIUMTEXT
}

TEST(NanoMdm, FillingTheCommandUuidKeepsTheLength) {
  const Target& t = get("nanomdm");
  std::string body = install(t, kProfile, "com.example");
  std::string filled = t.fill_command_uuid(body, "3F2504E0-4F89-41D3-9A0C-0305E82C3301");
  EXPECT_EQ(filled.size(), body.size());
  pugi::xml_document doc;
  std::string uuid;
  command_dict(doc, filled, &uuid);
  EXPECT_EQ(uuid, "3F2504E0-4F89-41D3-9A0C-0305E82C3301");
}

TEST(NanoMdm, RemoveBodyIsARemoveProfileCommand) {
  pugi::xml_document doc;
  std::string uuid;
  pugi::xml_node command = command_dict(doc, remove(get("nanomdm"), "com.example"), &uuid);
  EXPECT_STREQ(dict_value(command, "RequestType").text().get(), "RemoveProfile");
  EXPECT_STREQ(dict_value(command, "Identifier").text().get(), "com.example");
}

TEST(Fleet, InstallBodyIsBase64OfTheFullCommandPlist) {
  const Target& t = get("fleet");
  std::string body = install(t, kProfile, "com.example");
  nlohmann::json j = nlohmann::json::parse(body);
  EXPECT_EQ(j.at("host_uuids"), nlohmann::json::array({std::string(kDeviceIdPlaceholder)}));
  std::string command = decode(j.at("command").get<std::string>());
  pugi::xml_document doc;
  std::string uuid;
  pugi::xml_node dict = command_dict(doc, command, &uuid);
  EXPECT_EQ(uuid, kInstallCommandUuidPlaceholder);
  EXPECT_EQ(decode(dict_value(dict, "Payload").text().get()), kProfile);
  EXPECT_EQ(t.command_size(kProfile), body.size());
  EXPECT_EQ(t.default_limit, 2u * 1024 * 1024);
}

TEST(Fleet, FillsCommandUuidInsideTheBase64AndHostUuids) {
  const Target& t = get("fleet");
  std::string body = install(t, kProfile, "com.example");
  std::string filled =
      t.fill_device_id(t.fill_command_uuid(body, "3F2504E0-4F89-41D3-9A0C-0305E82C3301"), "HOST-1");
  nlohmann::json j = nlohmann::json::parse(filled);
  EXPECT_EQ(j.at("host_uuids"), nlohmann::json::array({"HOST-1"}));
  pugi::xml_document doc;
  std::string uuid;
  command_dict(doc, decode(j.at("command").get<std::string>()), &uuid);
  EXPECT_EQ(uuid, "3F2504E0-4F89-41D3-9A0C-0305E82C3301");
  EXPECT_EQ(t.fill_command_uuid("not json", "x"), "not json");
}

TEST(Jamf, InstallBodyCarriesTheProfileXmlEscapedInPayloads) {
  const Target& t = get("jamf");
  EXPECT_FALSE(t.accepts_signed);
  EXPECT_FALSE(t.accepts_binary);
  std::string body = install(t, kProfile, "com.example.a&b");
  pugi::xml_document doc;
  // Keep the payload text exactly: no whitespace trimming or EOL normalisation tricks.
  ASSERT_TRUE(
      doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata));
  pugi::xml_node general = doc.child("os_x_configuration_profile").child("general");
  EXPECT_STREQ(general.child("name").text().get(), "com.example.a&b");
  EXPECT_EQ(std::string(general.child("payloads").text().get()), kProfile);
  // Jamf has no known limit; the size is the body with an empty name (the name is the identifier).
  EXPECT_EQ(t.command_size(kProfile), install(t, kProfile, "").size());
}

TEST(Local, BodyIsTheProfileItself) {
  const Target& t = get("local");
  EXPECT_EQ(install(t, kProfile, "x"), kProfile);
  EXPECT_EQ(t.command_size(kProfile), kProfile.size());
  EXPECT_EQ(t.remove_body, nullptr);
  EXPECT_FALSE(t.is_mdm);
}

TEST(Raw, BodyIsTheAppleCommandPlist) {
  const Target& t = get("raw");
  EXPECT_EQ(install(t, kProfile, "x"), install(get("nanomdm"), kProfile, "x"));
}

TEST(Utf16Length, CountsSurrogatePairsAsTwo) {
  EXPECT_EQ(utf16_length("abc"), 3u);
  EXPECT_EQ(utf16_length("caf\xC3\xA9"), 4u);
  EXPECT_EQ(utf16_length("\xF0\x9F\x98\x80"), 2u);
}

TEST(Uuid, FormatsVersion4Variant1) {
  std::array<std::uint8_t, 16> bytes;
  bytes.fill(0xFF);
  EXPECT_EQ(format_uuid_v4(bytes), "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF");
  bytes.fill(0);
  EXPECT_EQ(format_uuid_v4(bytes), "00000000-0000-4000-8000-000000000000");
}

TEST(Uuid, SystemSourceGivesDistinctUuids) {
  auto source = system_uuid_source();
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string u = source->next();
    EXPECT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4');
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace cmdm::emitters
