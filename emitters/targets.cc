// The target registry: one row per MDM (or local) target with its wire formats and limits.
// Bodies are built from the final profile bytes, and sizes are measured on those real bodies, so
// the optimizer and splitter decide on exactly what the vendor will see. docs/targets.md cites the
// vendor documentation for each format.
#include "emitters/targets.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "plist/base64.h"
#include "plist/hash.h"
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
std::string full_command(const std::string& command_dict, std::string_view uuid_placeholder) {
  std::string out;
  out.reserve(kPlistHeader.size() + command_dict.size() + 120);
  out += kPlistHeader;
  out += "<dict><key>Command</key>";
  out += command_dict;
  out += "<key>CommandUUID</key><string>";
  out += uuid_placeholder;
  out += "</string></dict></plist>\n";
  return out;
}

std::string fill_text_uuid(std::string_view body, std::string_view uuid) {
  // The placeholders contain '-', which base64 never does, so they cannot occur inside a payload.
  return replace_all(replace_all(body, kInstallCommandUuidPlaceholder, uuid),
                     kRemoveCommandUuidPlaceholder, uuid);
}

// ---- workspaceone -------------------------------------------------------------------------

std::string wso_install(const BodyInput& in) {
  ordered_json j;
  j["CommandXml"] = install_command_dict(in.profile);
  return dump(j);
}
std::string wso_remove(const BodyInput& in) {
  ordered_json j;
  j["CommandXml"] = remove_command_dict(in.identifier);
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

std::string micromdm_install(const BodyInput& in) {
  ordered_json j;
  j["udid"] = kDeviceIdPlaceholder;
  j["request_type"] = "InstallProfile";
  j["payload"] = plist::base64_encode(in.profile);
  return dump(j);
}
std::string micromdm_remove(const BodyInput& in) {
  ordered_json j;
  j["udid"] = kDeviceIdPlaceholder;
  j["request_type"] = "RemoveProfile";
  j["identifier"] = in.identifier;
  return dump(j);
}
// Sizes of bodies whose only variable part is base64 of the profile (or of the command holding
// it): base64 is never escaped in JSON or XML, so the body of an empty profile plus the length of
// the encoding is the size of the real body. A test checks each against the built body.
std::size_t micromdm_size(std::string_view profile) {
  static const std::size_t fixed = micromdm_install({}).size();
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

std::string command_install(const BodyInput& in) {
  return full_command(install_command_dict(in.profile), kInstallCommandUuidPlaceholder);
}
std::string command_remove(const BodyInput& in) {
  return full_command(remove_command_dict(in.identifier), kRemoveCommandUuidPlaceholder);
}
std::size_t command_size(std::string_view profile) {
  static const std::size_t fixed = command_install({}).size();
  return fixed + plist::base64_encoded_size(profile.size());
}

// ---- fleet ---------------------------------------------------------------------------------

std::string fleet_wrap(const std::string& command) {
  ordered_json j;
  j["command"] = plist::base64_encode(command);
  j["host_uuids"] = ordered_json::array({kDeviceIdPlaceholder});
  return dump(j);
}
std::string fleet_install(const BodyInput& in) { return fleet_wrap(command_install(in)); }
std::string fleet_remove(const BodyInput& in) { return fleet_wrap(command_remove(in)); }
std::size_t fleet_size(std::string_view profile) {
  static const std::size_t fixed =
      fleet_install({}).size() - plist::base64_encoded_size(command_size(""));
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

// Fleet's managed profiles API (POST /api/v1/fleet/configuration_profiles) takes a multipart
// form: the file in `profile`, the team in `team_id`, labels in `labels_include_all`. The body is
// written whole, so a sender posts it as it is, with the boundary from its first line. The
// boundary is derived from the profile's SHA-256, which the profile cannot contain.
constexpr std::string_view kCrLf = "\r\n";

void append_form_field(std::string& out, const std::string& boundary, std::string_view name,
                       std::string_view value) {
  out += "--" + boundary;
  out += kCrLf;
  out += "Content-Disposition: form-data; name=\"";
  out += name;
  out += "\"";
  out += kCrLf;
  out += kCrLf;
  out += value;
  out += kCrLf;
}

std::string fleet_profiles_install(const BodyInput& in) {
  const std::string boundary = "cmdm-" + plist::sha256_hex(in.profile).substr(0, 32);
  std::string out;
  out.reserve(in.profile.size() + 512);
  out += "--" + boundary;
  out += kCrLf;
  out += "Content-Disposition: form-data; name=\"profile\"; filename=\"profile.mobileconfig\"";
  out += kCrLf;
  out += "Content-Type: application/x-apple-aspen-config";
  out += kCrLf;
  out += kCrLf;
  out += in.profile;
  out += kCrLf;
  if (in.vendor && !in.vendor->fleet_team.empty()) {
    append_form_field(out, boundary, "team_id", in.vendor->fleet_team);
  }
  if (in.vendor) {
    for (const std::string& label : in.vendor->fleet_labels) {
      append_form_field(out, boundary, "labels_include_all", label);
    }
  }
  out += "--" + boundary + "--";
  out += kCrLf;
  return out;
}
std::size_t fleet_profiles_size(std::string_view profile) {
  static const std::size_t fixed = fleet_profiles_install({}).size();
  return fixed + profile.size();
}

// Display names Fleet keeps for the profiles it writes itself (server/mdm/profiles.go,
// FleetReservedProfileNames).
constexpr std::string_view kFleetReservedNames[] = {
    "Fleetd configuration",   "Disk encryption",      "Windows OS Updates",
    "Fleet macOS OS Updates", "Fleet iOS OS Updates", "Fleet iPadOS OS Updates"};

// One payload against Fleet's screen (server/mdm/apple/mobileconfig/mobileconfig.go,
// ScreenPayloads; file_vault_options.go): FileVault and its escrow are Fleet's own, as is the
// com.fleetdm namespace.
std::string fleet_payload_refusal(const plist::Value& payload) {
  const std::string* type = payload.get_string("PayloadType");
  const std::string* id = payload.get_string("PayloadIdentifier");
  const std::string t = type ? *type : "";
  if (t == "com.apple.MCX.FileVault2" || t == "com.apple.security.FDERecoveryKeyEscrow" ||
      t == "com.apple.security.FDERecoveryRedirect") {
    return "Fleet manages FileVault itself and refuses a profile with PayloadType " + t;
  }
  if (t == "com.apple.MCX" &&
      (payload.get("dontAllowFDEDisable") || payload.get("dontAllowFDEEnable") ||
       payload.get("DestroyFVKeyOnStandby"))) {
    return "Fleet manages FileVault itself and refuses a com.apple.MCX payload with FileVault "
           "options (dontAllowFDEDisable, dontAllowFDEEnable, DestroyFVKeyOnStandby)";
  }
  if (id && id->starts_with("com.fleetdm.")) {
    return "Fleet reserves the com.fleetdm. identifiers; '" + *id + "' is one";
  }
  return "";
}

std::string fleet_refusal(const PartSummary& part) {
  const std::string* name = part.profile.get_string("PayloadDisplayName");
  if (name == nullptr || name->empty()) {
    return "Fleet requires a PayloadDisplayName (it keys profiles by it)";
  }
  for (std::string_view reserved : kFleetReservedNames) {
    if (*name == reserved) return "Fleet reserves the display name '" + *name + "'";
  }
  const std::string* id = part.profile.get_string("PayloadIdentifier");
  if (id && id->starts_with("com.fleetdm.")) {
    return "Fleet reserves the com.fleetdm. identifiers; '" + *id + "' is one";
  }
  const plist::Value* content = part.profile.get("PayloadContent");
  if (content == nullptr || !content->is_array()) return "";
  for (const plist::Value& payload : content->as_array()) {
    if (!payload.is_dict()) continue;
    if (std::string why = fleet_payload_refusal(payload); !why.empty()) return why;
  }
  return "";
}

// ---- jamf ----------------------------------------------------------------------------------

// The <scope> of a Jamf object: without one, Jamf installs the profile on no computer.
std::string jamf_scope(const BodyInput& in) {
  const std::string scope = in.vendor ? in.vendor->jamf_scope : "";
  if (scope == "all-computers") return "<scope><all_computers>true</all_computers></scope>";
  if (scope.empty() || scope == "none")
    return "<scope><all_computers>false</all_computers></scope>";
  std::string out =
      "<scope><all_computers>false</all_computers><computer_groups><computer_group><name>";
  append_xml_text(out, scope);
  out += "</name></computer_group></computer_groups></scope>";
  return out;
}

// Classic API object: the profile travels XML-escaped as the text of <general><payloads>; its
// level follows PayloadScope (User: the user level; otherwise the computer).
std::string jamf_install(const BodyInput& in) {
  std::string out;
  out.reserve(in.profile.size() + in.profile.size() / 4 + 512);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<os_x_configuration_profile><general><name>";
  append_xml_text(out, in.identifier);
  out += "</name><level>";
  out += in.user_scope ? "user" : "computer";
  out +=
      "</level><distribution_method>Install Automatically</distribution_method>"
      "<redeploy_on_update>Newly Assigned</redeploy_on_update><payloads>";
  append_xml_text(out, in.profile);
  out += "</payloads></general>";
  out += jamf_scope(in);
  out += "</os_x_configuration_profile>\n";
  return out;
}
std::size_t jamf_size(std::string_view profile) {
  BodyInput in;
  in.profile = profile;
  return jamf_install(in).size();
}

// ---- local ---------------------------------------------------------------------------------

std::string local_install(const BodyInput& in) { return std::string(in.profile); }
std::size_t local_size(std::string_view profile) { return profile.size(); }

// ---- requests ------------------------------------------------------------------------------

constexpr Slot kDeviceInPath{"device_id", "path", "{device_id}",
                             "the device's UDID (Workspace ONE: searchby=Udid)"};
constexpr Slot kEnrollmentInPath{
    "enrollment_id", "path", "{enrollment_id}",
    "the enrollment id: the device's UDID for a System-scope part, the user channel's id for a "
    "User-scope part"};
constexpr Slot kDeviceInBody{"device_id", "body", kDeviceIdPlaceholder,
                             "the device's UDID, in place of the placeholder"};
constexpr Slot kInstallUuid{"command_uuid", "body", kInstallCommandUuidPlaceholder,
                            "a fresh UUID for every send (the vendor refuses a repeat)"};
constexpr Slot kRemoveUuid{"command_uuid", "body", kRemoveCommandUuidPlaceholder,
                           "a fresh UUID for every send (the vendor refuses a repeat)"};
constexpr Slot kInstallUuidInCommand{
    "command_uuid", "command", kInstallCommandUuidPlaceholder,
    "a fresh UUID for every send, inside the base64 `command` (decode, replace, encode)"};
constexpr Slot kRemoveUuidInCommand{
    "command_uuid", "command", kRemoveCommandUuidPlaceholder,
    "a fresh UUID for every send, inside the base64 `command` (decode, replace, encode)"};
constexpr Slot kFleetProfileUuid{"fleet_profile_uuid", "path", "{fleet_profile_uuid}",
                                 "the profile_uuid Fleet returned when this part was installed"};

constexpr std::string_view kWsoPath =
    "/API/mdm/devices/commands?command=CustomMdmCommand&searchby=Udid&id={device_id}";
constexpr std::string_view kFleetProfilesPath = "/api/v1/fleet/configuration_profiles";
constexpr std::string_view kFleetProfilePath =
    "/api/v1/fleet/configuration_profiles/{fleet_profile_uuid}";
constexpr std::string_view kJamfCreatePath = "/JSSResource/osxconfigurationprofiles/id/0";
constexpr std::string_view kJamfNamePath = "/JSSResource/osxconfigurationprofiles/name/{name}";

std::vector<RequestSpec> wso_requests() {
  return {{"install", "POST", kWsoPath, "application/json", "install", {202}, {kDeviceInPath}},
          {"remove", "POST", kWsoPath, "application/json", "remove", {202}, {kDeviceInPath}}};
}
std::vector<RequestSpec> micromdm_requests() {
  return {
      {"install", "POST", "/v1/commands", "application/json", "install", {201}, {kDeviceInBody}},
      {"remove", "POST", "/v1/commands", "application/json", "remove", {201}, {kDeviceInBody}}};
}
std::vector<RequestSpec> nanomdm_requests() {
  return {{"install",
           "PUT",
           "/v1/enqueue/{enrollment_id}",
           "application/xml",
           "install",
           {200},
           {kEnrollmentInPath, kInstallUuid}},
          {"remove",
           "PUT",
           "/v1/enqueue/{enrollment_id}",
           "application/xml",
           "remove",
           {200},
           {kEnrollmentInPath, kRemoveUuid}}};
}
std::vector<RequestSpec> fleet_requests() {
  return {{"install",
           "POST",
           "/api/v1/fleet/commands/run",
           "application/json",
           "install",
           {200, 202},
           {kDeviceInBody, kInstallUuidInCommand}},
          {"remove",
           "POST",
           "/api/v1/fleet/commands/run",
           "application/json",
           "remove",
           {200, 202},
           {kDeviceInBody, kRemoveUuidInCommand}}};
}
// Fleet keys managed profiles by display name per team and refuses a second POST of one (409):
// an update removes the old profile, then posts the new one.
std::vector<RequestSpec> fleet_profiles_requests() {
  constexpr std::string_view kForm = "multipart/form-data; boundary={boundary}";
  return {{"install", "POST", kFleetProfilesPath, kForm, "install", {200}, {}},
          {"update", "DELETE", kFleetProfilePath, "", "", {200, 204}, {kFleetProfileUuid}},
          {"update", "POST", kFleetProfilesPath, kForm, "install", {200}, {}},
          {"remove", "DELETE", kFleetProfilePath, "", "", {200, 204}, {kFleetProfileUuid}}};
}
// Jamf refuses a second POST of a name: an update is a PUT; DELETE removes it from every computer.
std::vector<RequestSpec> jamf_requests() {
  return {{"install", "POST", kJamfCreatePath, "application/xml", "install", {201}, {}},
          {"update", "PUT", kJamfNamePath, "application/xml", "install", {201}, {}},
          {"remove", "DELETE", kJamfNamePath, "", "", {200}, {}}};
}
// Raw commands go through whatever API an MDM has for them: no path, only the slots.
std::vector<RequestSpec> raw_requests() {
  return {{"install", "", "", "application/xml", "install", {}, {kInstallUuid}},
          {"remove", "", "", "application/xml", "remove", {}, {kRemoveUuid}}};
}

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
           "POST /API/mdm/devices/commands?command=CustomMdmCommand&searchby=Udid&id={device_id}",
       .remove_endpoint =
           "POST /API/mdm/devices/commands?command=CustomMdmCommand&searchby=Udid&id={device_id}",
       .fill_command_uuid = nullptr,
       .fill_device_id = nullptr,
       .reference =
           "https://developer.omnissa.com/ws1-uem-apis/ (MDM API: CustomMdmCommand, CommandXml)",
       .requests = wso_requests(),
       // Workspace ONE's own refusal names the count: "CommandXml length cannot be greater
       // than 2000" (errorCode 1012).
       .size_error =
           SizeError{422, "1012", "errorCode 1012: CommandXml length cannot be greater than 2000"}},
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
           "https://github.com/micromdm/micromdm/blob/main/docs/user-guide/api-and-webhooks.md",
       .requests = micromdm_requests()},
      {.name = "nanomdm",
       .description = "NanoMDM enqueue API (raw Apple command plist)",
       // Its MySQL backend stores the command in a MEDIUMTEXT column: 2^24 - 1 bytes.
       .default_limit = 16'777'215,
       .limit_counts = "bytes of the command plist (MySQL MEDIUMTEXT)",
       .accepts_signed = true,
       .accepts_binary = true,
       .is_mdm = true,
       .install_body = command_install,
       .remove_body = command_remove,
       .command_size = command_size,
       .body_extension = "plist",
       .install_endpoint = "PUT /v1/enqueue/{enrollment_id}",
       .remove_endpoint = "PUT /v1/enqueue/{enrollment_id}",
       .fill_command_uuid = fill_text_uuid,
       .fill_device_id = nullptr,
       .reference = "https://github.com/micromdm/nanomdm/blob/main/docs/operations-guide.md",
       .requests = nanomdm_requests(),
       .size_error = SizeError{500, "Data too long",
                               "the MySQL backend refuses a command over 16,777,215 bytes"}},
      {.name = "fleet",
       .description = "Fleet run MDM command, per host (base64 of the command plist)",
       .default_limit = 2u * 1024 * 1024,
       .limit_counts = "bytes of the JSON request body",
       .accepts_signed = true,
       .accepts_binary = false,
       .is_mdm = true,
       .install_body = fleet_install,
       .remove_body = fleet_remove,
       .command_size = fleet_size,
       .body_extension = "json",
       .install_endpoint = "POST /api/v1/fleet/commands/run",
       .remove_endpoint = "POST /api/v1/fleet/commands/run",
       .fill_command_uuid = fleet_fill_uuid,
       .fill_device_id = fleet_fill_device,
       .reference = "https://fleetdm.com/docs/rest-api/rest-api#run-mdm-command",
       .needs_xml_declaration = true,
       .requests = fleet_requests(),
       .size_error = SizeError{413, "", "the request body is over Fleet's 2 MiB limit"},
       .refusal = fleet_refusal},
      {.name = "fleet-profiles",
       .description = "Fleet managed configuration profiles (team-wide, labels; multipart)",
       // Fleet's 2 MiB request limit, less room for the team and label fields.
       .default_limit = 2u * 1024 * 1024 - 4096,
       .limit_counts = "bytes of the multipart request body (without team and label fields)",
       .accepts_signed = true,
       .accepts_binary = false,
       .is_mdm = true,
       .install_body = fleet_profiles_install,
       .remove_body = nullptr,
       .command_size = fleet_profiles_size,
       .body_extension = "multipart",
       .install_endpoint = "POST /api/v1/fleet/configuration_profiles",
       .remove_endpoint = "DELETE /api/v1/fleet/configuration_profiles/{fleet_profile_uuid}",
       .fill_command_uuid = nullptr,
       .fill_device_id = nullptr,
       .reference =
           "https://fleetdm.com/docs/rest-api/rest-api#add-custom-os-setting-configuration-profile",
       .needs_xml_declaration = true,
       .requests = fleet_profiles_requests(),
       .size_error = SizeError{413, "", "the request body is over Fleet's 2 MiB limit"},
       .refusal = fleet_refusal},
      {.name = "jamf",
       .description = "Jamf Pro Classic API macOS configuration profile object (unsigned only)",
       .default_limit = 0,
       .limit_counts = "nothing (no limit known)",
       .accepts_signed = false,
       .accepts_binary = false,
       .is_mdm = true,
       .install_body = jamf_install,
       .remove_body = nullptr,
       .command_size = jamf_size,
       .body_extension = "xml",
       .install_endpoint =
           "POST /JSSResource/osxconfigurationprofiles/id/0 (update: PUT …/name/{name})",
       .remove_endpoint = "DELETE /JSSResource/osxconfigurationprofiles/name/{name}",
       .fill_command_uuid = nullptr,
       .fill_device_id = nullptr,
       .reference =
           "https://developer.jamf.com/jamf-pro/reference/createosxconfigurationprofilebyid",
       .requests = jamf_requests()},
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
           "https://developer.apple.com/documentation/devicemanagement/install-profile-command",
       .requests = raw_requests()},
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
