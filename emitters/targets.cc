// The target registry: one row per MDM (or local) target with its wire formats and limits.
// Bodies are built from the final profile bytes, and sizes are measured on those real bodies, so
// the optimizer and splitter decide on exactly what the vendor will see. docs/targets.md cites the
// vendor documentation for each format.
#include "emitters/targets.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "plist/base64.h"
#include "plist/suggest.h"
#include "plist/uuid.h"

namespace cmdm::emitters {

namespace {

using ordered_json = nlohmann::ordered_json;

// Text content escaped for XML: the three markup characters, and CR as a character reference
// because an XML parser turns a literal CR (or CRLF) into LF and the bytes would change.
void append_xml_text(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
}

// JSON text of a value: compact, UTF-8 kept as is, invalid UTF-8 replaced rather than thrown.
std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (;;) {
    std::size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

// ---- Apple's command dictionaries ---------------------------------------------------------

// The inner command dict as Workspace ONE wants it in CommandXml: <dict>…</dict>, no header.
constexpr std::string_view kInstallDictHead =
    "<dict><key>RequestType</key><string>InstallProfile</string><key>Payload</key><data>";
constexpr std::string_view kInstallDictTail = "</data></dict>";

std::string install_command_dict(std::string_view profile) {
  std::string out;
  out.reserve(kInstallDictHead.size() + plist::base64_encoded_size(profile.size()) +
              kInstallDictTail.size());
  out += kInstallDictHead;
  plist::base64_append(out, profile);
  out += kInstallDictTail;
  return out;
}

std::string remove_command_dict(std::string_view identifier) {
  std::string out =
      "<dict><key>RequestType</key><string>RemoveProfile</string><key>Identifier</key><string>";
  append_xml_text(out, identifier);
  out += "</string></dict>";
  return out;
}

constexpr std::string_view kPlistHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<plist version=\"1.0\">";

// A full command plist (Apple's "Sending MDM commands"): {Command: {...}, CommandUUID}.
std::string full_command(const std::string& command_dict) {
  std::string out;
  out.reserve(kPlistHeader.size() + command_dict.size() + 120);
  out += kPlistHeader;
  out += "<dict><key>Command</key>";
  out += command_dict;
  out += "<key>CommandUUID</key><string>";
  out += kCommandUuidPlaceholder;
  out += "</string></dict></plist>\n";
  return out;
}

std::string fill_text_uuid(std::string_view body, std::string_view uuid) {
  // The placeholder contains '-', which base64 never does, so it cannot occur inside a payload.
  return replace_all(body, kCommandUuidPlaceholder, uuid);
}

// ---- workspaceone -------------------------------------------------------------------------

std::string wso_install(std::string_view profile, std::string_view /*identifier*/) {
  ordered_json j;
  j["CommandXml"] = install_command_dict(profile);
  return dump(j);
}
std::string wso_remove(std::string_view identifier) {
  ordered_json j;
  j["CommandXml"] = remove_command_dict(identifier);
  return dump(j);
}
std::size_t wso_size(std::string_view profile) {
  // The limit counts the characters of the CommandXml string, which is exactly this dict: ASCII
  // markup around base64, so its length follows from the profile's size alone. The optimizer and
  // splitter ask this many times per profile; the body itself is built only once, to be written.
  return kInstallDictHead.size() + plist::base64_encoded_size(profile.size()) +
         kInstallDictTail.size();
}

// ---- micromdm ------------------------------------------------------------------------------

std::string micromdm_install(std::string_view profile, std::string_view /*identifier*/) {
  ordered_json j;
  j["udid"] = kDeviceIdPlaceholder;
  j["request_type"] = "InstallProfile";
  j["payload"] = plist::base64_encode(profile);
  return dump(j);
}
std::string micromdm_remove(std::string_view identifier) {
  ordered_json j;
  j["udid"] = kDeviceIdPlaceholder;
  j["request_type"] = "RemoveProfile";
  j["identifier"] = identifier;
  return dump(j);
}
// Sizes of bodies whose only variable part is base64 of the profile (or of the command holding
// it): base64 is never escaped in JSON or XML, so the body of an empty profile plus the length of
// the encoding is the size of the real body. A test checks each against the built body.
std::size_t micromdm_size(std::string_view profile) {
  static const std::size_t fixed = micromdm_install("", "").size();
  return fixed + plist::base64_encoded_size(profile.size());
}
// The fill functions take bodies this registry built; one that is not (not JSON, no base64
// command) comes back unchanged, and the vendor then rejects the placeholder loudly.
std::string micromdm_fill_device(std::string_view body, std::string_view device_id) {
  ordered_json j = ordered_json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::string(body);
  j["udid"] = device_id;
  return dump(j);
}

// ---- nanomdm and raw -----------------------------------------------------------------------

std::string command_install(std::string_view profile, std::string_view /*identifier*/) {
  return full_command(install_command_dict(profile));
}
std::string command_remove(std::string_view identifier) {
  return full_command(remove_command_dict(identifier));
}
std::size_t command_size(std::string_view profile) {
  static const std::size_t fixed = command_install("", "").size();
  return fixed + plist::base64_encoded_size(profile.size());
}

// ---- fleet ---------------------------------------------------------------------------------

std::string fleet_wrap(const std::string& command) {
  ordered_json j;
  j["command"] = plist::base64_encode(command);
  j["host_uuids"] = ordered_json::array({kDeviceIdPlaceholder});
  return dump(j);
}
std::string fleet_install(std::string_view profile, std::string_view identifier) {
  return fleet_wrap(command_install(profile, identifier));
}
std::string fleet_remove(std::string_view identifier) {
  return fleet_wrap(command_remove(identifier));
}
std::size_t fleet_size(std::string_view profile) {
  static const std::size_t fixed =
      fleet_install("", "").size() - plist::base64_encoded_size(command_size(""));
  return fixed + plist::base64_encoded_size(command_size(profile));
}
std::string fleet_fill_uuid(std::string_view body, std::string_view uuid) {
  ordered_json j = ordered_json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("command") || !j["command"].is_string()) {
    return std::string(body);
  }
  auto command = plist::base64_decode(j["command"].get<std::string>());
  if (!command) return std::string(body);
  std::string text(command->begin(), command->end());
  j["command"] = plist::base64_encode(fill_text_uuid(text, uuid));
  return dump(j);
}
std::string fleet_fill_device(std::string_view body, std::string_view device_id) {
  ordered_json j = ordered_json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::string(body);
  j["host_uuids"] = ordered_json::array({std::string(device_id)});
  return dump(j);
}

// ---- jamf ----------------------------------------------------------------------------------

// Classic API object: the profile travels XML-escaped as the text of <general><payloads>.
std::string jamf_install(std::string_view profile, std::string_view identifier) {
  std::string out;
  out.reserve(profile.size() + profile.size() / 4 + 256);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<os_x_configuration_profile><general><name>";
  append_xml_text(out, identifier);
  out += "</name><distribution_method>Install Automatically</distribution_method><payloads>";
  append_xml_text(out, profile);
  out += "</payloads></general></os_x_configuration_profile>\n";
  return out;
}
// Jamf removes a profile by deleting the object (DELETE …/name/{name}); the body names it.
std::string jamf_remove(std::string_view identifier) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<os_x_configuration_profile><general><name>";
  append_xml_text(out, identifier);
  out += "</name></general></os_x_configuration_profile>\n";
  return out;
}
std::size_t jamf_size(std::string_view profile) { return jamf_install(profile, "").size(); }

// ---- local ---------------------------------------------------------------------------------

std::string local_install(std::string_view profile, std::string_view /*identifier*/) {
  return std::string(profile);
}
std::size_t local_size(std::string_view profile) { return profile.size(); }

}  // namespace

std::size_t utf16_length(std::string_view utf8) {
  std::size_t units = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += c >= 0xF0 ? 2 : 1;        // a 4-byte sequence is a surrogate pair
  }
  return units;
}

const std::vector<Target>& targets() {
  static const std::vector<Target> kTargets = {
      {.name = "workspaceone",
       .description = "Workspace ONE UEM custom MDM command (CommandXml inner dict)",
       .default_limit = 2000,
       .limit_counts = "characters of CommandXml",
       .accepts_signed = true,
       .accepts_binary = true,
       .is_mdm = true,
       .install_body = wso_install,
       .remove_body = wso_remove,
       .command_size = wso_size,
       .body_extension = "json",
       .install_endpoint =
           "POST /API/mdm/devices/commands?command=CustomMdmCommand&searchby=Udid&id={udid}",
       .remove_endpoint =
           "POST /API/mdm/devices/commands?command=CustomMdmCommand&searchby=Udid&id={udid}",
       .fill_command_uuid = nullptr,
       .fill_device_id = nullptr,
       .reference =
           "https://developer.omnissa.com/ws1-uem-apis/ (MDM API: CustomMdmCommand, CommandXml)"},
      {.name = "micromdm",
       .description = "MicroMDM command API (JSON, base64 payload)",
       .default_limit = 0,
       .limit_counts = "nothing (no limit)",
       .accepts_signed = true,
       .accepts_binary = true,
       .is_mdm = true,
       .install_body = micromdm_install,
       .remove_body = micromdm_remove,
       .command_size = micromdm_size,
       .body_extension = "json",
       .install_endpoint = "POST /v1/commands",
       .remove_endpoint = "POST /v1/commands",
       .fill_command_uuid = nullptr,
       .fill_device_id = micromdm_fill_device,
       .reference =
           "https://github.com/micromdm/micromdm/blob/main/docs/user-guide/api-and-webhooks.md"},
      {.name = "nanomdm",
       .description = "NanoMDM enqueue API (raw Apple command plist)",
       .default_limit = 16u * 1024 * 1024,
       .limit_counts = "bytes of the command plist (16 MiB stored)",
       .accepts_signed = true,
       .accepts_binary = true,
       .is_mdm = true,
       .install_body = command_install,
       .remove_body = command_remove,
       .command_size = command_size,
       .body_extension = "plist",
       .install_endpoint = "PUT /v1/enqueue/{id}",
       .remove_endpoint = "PUT /v1/enqueue/{id}",
       .fill_command_uuid = fill_text_uuid,
       .fill_device_id = nullptr,
       .reference = "https://github.com/micromdm/nanomdm/blob/main/docs/operations-guide.md"},
      {.name = "fleet",
       .description = "Fleet run MDM command (base64 of the command plist)",
       .default_limit = 1024u * 1024,
       .limit_counts = "bytes of the JSON request body",
       .accepts_signed = true,
       .accepts_binary = true,
       .is_mdm = true,
       .install_body = fleet_install,
       .remove_body = fleet_remove,
       .command_size = fleet_size,
       .body_extension = "json",
       .install_endpoint = "POST /api/v1/fleet/commands/run",
       .remove_endpoint = "POST /api/v1/fleet/commands/run",
       .fill_command_uuid = fleet_fill_uuid,
       .fill_device_id = fleet_fill_device,
       .reference = "https://fleetdm.com/docs/rest-api/rest-api#run-mdm-command"},
      {.name = "jamf",
       .description = "Jamf Pro Classic API macOS configuration profile (unsigned only)",
       .default_limit = 0,
       .limit_counts = "nothing (no limit known)",
       .accepts_signed = false,
       .accepts_binary = false,
       .is_mdm = true,
       .install_body = jamf_install,
       .remove_body = jamf_remove,
       .command_size = jamf_size,
       .body_extension = "xml",
       .install_endpoint = "POST /JSSResource/osxconfigurationprofiles/id/0",
       .remove_endpoint = "DELETE /JSSResource/osxconfigurationprofiles/name/{name}",
       .fill_command_uuid = nullptr,
       .fill_device_id = nullptr,
       .reference =
           "https://developer.jamf.com/jamf-pro/reference/createosxconfigurationprofilebyid"},
      {.name = "raw",
       .description = "Apple MDM command plist (Command + CommandUUID), for any MDM",
       .default_limit = 0,
       .limit_counts = "bytes of the command plist (no limit)",
       .accepts_signed = true,
       .accepts_binary = true,
       .is_mdm = true,
       .install_body = command_install,
       .remove_body = command_remove,
       .command_size = command_size,
       .body_extension = "plist",
       .install_endpoint = "(any MDM that accepts raw commands)",
       .remove_endpoint = "(any MDM that accepts raw commands)",
       .fill_command_uuid = fill_text_uuid,
       .fill_device_id = nullptr,
       .reference =
           "https://developer.apple.com/documentation/devicemanagement/install-profile-command"},
      {.name = "local",
       .description = ".mobileconfig for manual install or `profiles install`",
       .default_limit = 0,
       .limit_counts = "bytes of the profile (no limit)",
       .accepts_signed = true,
       .accepts_binary = true,
       .is_mdm = false,
       .install_body = local_install,
       .remove_body = nullptr,
       .command_size = local_size,
       .body_extension = "mobileconfig",
       .install_endpoint = "(System Settings > Profiles, or `profiles install -path`)",
       .remove_endpoint = "(`profiles remove -identifier {identifier}`)",
       .fill_command_uuid = nullptr,
       .fill_device_id = nullptr,
       .reference =
           "https://support.apple.com/guide/deployment/intro-to-mdm-profiles-depc0aadd3fe/web"},
  };
  return kTargets;
}

Result<const Target*> find_target(std::string_view name) {
  std::vector<std::string> names;
  for (const Target& t : targets()) {
    if (t.name == name) return &t;
    names.emplace_back(t.name);
  }
  return unknown_name("target", name, names, "(`cmdm targets` lists them)");
}

Result<std::vector<const Target*>> parse_target_list(std::string_view names) {
  std::vector<const Target*> out;
  std::size_t pos = 0;
  while (pos <= names.size()) {
    std::size_t comma = names.find(',', pos);
    if (comma == std::string_view::npos) comma = names.size();
    std::string_view name = names.substr(pos, comma - pos);
    pos = comma + 1;
    if (name.empty()) continue;
    Result<const Target*> t = find_target(name);
    if (!t) return t.error();
    bool seen = false;
    for (const Target* o : out) seen = seen || o == *t;
    if (!seen) out.push_back(*t);
  }
  if (out.empty()) return Error::make(ExitCode::kUsage, "", "no target given");
  return out;
}

std::string format_uuid_v4(std::array<std::uint8_t, 16> bytes) {
  return plist::format_uuid(plist::uuid_v4(bytes));
}

namespace {

class SystemUuidSource final : public UuidSource {
 public:
  std::string next() override {
    Result<plist::UuidBytes> uuid = plist::random_uuid_v4();
    // The system generator failing is an environment fault, not bad input; callers catch at main().
    if (!uuid) throw std::runtime_error(uuid.error().format());
    return plist::format_uuid(*uuid);
  }
};

}  // namespace

std::unique_ptr<UuidSource> system_uuid_source() { return std::make_unique<SystemUuidSource>(); }

}  // namespace cmdm::emitters
