// The target registry: for each MDM (or local) target, its wire formats, what its limit counts,
// the encodings and signing it accepts. The optimizer's size model and the emitters share it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::emitters {

// Placeholders written into build-time command bodies where a CommandUUID goes; the sender
// replaces them per send (NanoMDM and Fleet reject a CommandUUID they have seen). Install and
// remove bodies carry different ones, so a sender that forgets to fill both is refused loudly
// rather than having the second command dropped as a repeat. Same length as a real UUID, so
// sizes are exact.
inline constexpr std::string_view kInstallCommandUuidPlaceholder =
    "00000000-0000-0000-0000-0000000C0DE1";
inline constexpr std::string_view kRemoveCommandUuidPlaceholder =
    "00000000-0000-0000-0000-0000000C0DE2";

// Placeholder for the device a command goes to (MicroMDM's "udid", Fleet's "host_uuids" entry).
// Build outputs do not know the device; the sender substitutes the enrollment's UDID per send.
// 36 characters, like a UUID-style UDID, so measured sizes match a real send to such a device.
inline constexpr std::string_view kDeviceIdPlaceholder = "00000000-0000-0000-0000-0000000DE71C";

// Choices that shape vendor objects rather than commands (`cmdm build --jamf-scope`, ...).
struct VendorOptions {
  // Jamf: who the profile object is scoped to: "all-computers", "none" (scoped later in the
  // console), or the name of a computer group.
  std::string jamf_scope;
  // Fleet managed profiles: the team id ("" = no team) and labels a host must all have.
  std::string fleet_team;
  std::vector<std::string> fleet_labels;
};

// What a body is built from.
struct BodyInput {
  std::string_view profile;       // the final .mobileconfig bytes
  std::string_view identifier;    // the part's PayloadIdentifier
  std::string_view display_name;  // the part's PayloadDisplayName
  bool user_scope = false;        // PayloadScope is "User"
  const VendorOptions* vendor = nullptr;
};

// A value a sender must fill per send, and where it sits.
struct Slot {
  std::string_view name;         // "command_uuid", "device_id", "user_id", "fleet_profile_uuid"
  std::string_view where;        // "path" (as {name}) or "body" (as the placeholder text)
  std::string_view placeholder;  // what to replace: "{device_id}" in a path, the text in a body
  std::string_view fill;         // what to put there, in one sentence
};

// One HTTP request of an action, as the vendor's API takes it.
struct RequestSpec {
  std::string_view action;        // "install", "update" or "remove"
  std::string_view method;        // "POST", "PUT", "DELETE"
  std::string_view path;          // with {slot} names: "/v1/enqueue/{device_id}"
  std::string_view content_type;  // "" when the request has no body
  std::string_view body;          // which body it sends: "install", "remove" or "" (none)
  std::vector<int> success;       // statuses that mean the vendor took it
  std::vector<Slot> slots;
};

// How the vendor says a body is over its size limit.
struct SizeError {
  int status = 0;
  std::string_view match;    // text in the response body that identifies it ("" = status alone)
  std::string_view meaning;  // one sentence
};

// What a refusal rule looks at in a part: its profile as built (before encoding and signing).
struct PartSummary {
  const plist::Value& profile;
};

struct Target {
  std::string_view name;  // "workspaceone", "micromdm", "nanomdm", "fleet", "jamf", "raw", "local"
  std::string_view description;   // one line for `cmdm targets`
  std::size_t default_limit;      // 0 = no limit
  std::string_view limit_counts;  // what the limit counts, e.g. "characters of CommandXml"
  bool accepts_signed;            // jamf: false
  bool accepts_binary;            // whether a binary-plist profile may be sent
  bool is_mdm;                    // false for `local`

  // The install body, exactly as sent.
  std::string (*install_body)(const BodyInput& input);
  // The remove body (input.profile unused); nullptr when removal sends no body (local; Jamf and
  // Fleet's managed profiles remove with a DELETE).
  std::string (*remove_body)(const BodyInput& input);
  // What the vendor counts against the limit, computed from the real encoded body (never
  // estimated).
  std::size_t (*command_size)(std::string_view profile);
  // File extension of the bodies in OUT/commands/<target>/ (json, plist, xml, mobileconfig).
  std::string_view body_extension;

  // Where and how the dispatcher sends the bodies ("PUT /v1/enqueue/{id}"); documentation only.
  std::string_view install_endpoint;
  std::string_view remove_endpoint;
  // Replaces the CommandUUID placeholder in a body with `uuid` (36 characters); nullptr when the
  // target's bodies carry no CommandUUID (the vendor assigns one). The body keeps its length.
  std::string (*fill_command_uuid)(std::string_view body, std::string_view uuid);
  // Replaces the device placeholder with `device_id`; nullptr when the body names no device
  // (the device is in the URL or chosen by the vendor's console).
  std::string (*fill_device_id)(std::string_view body, std::string_view device_id);
  // Vendor documentation the wire format follows.
  std::string_view reference;
  // The profile must keep its <?xml declaration and XML form at every level (Fleet reads any
  // other first bytes as CMS and fails to parse the profile).
  bool needs_xml_declaration = false;
  // The requests a sender makes, per action (empty for local); the manifest carries them.
  std::vector<RequestSpec> requests;
  std::optional<SizeError> size_error;
  // Why the vendor refuses a part outright ("" when it takes it): reserved identifiers, payload
  // types it manages itself. nullptr when it refuses none.
  std::string (*refusal)(const PartSummary& part) = nullptr;
};

// The table, in the order `cmdm targets` lists it.
const std::vector<Target>& targets();

// Finds a target by name; an unknown name gets an Error with "did you mean".
Result<const Target*> find_target(std::string_view name);

// Parses "workspaceone,fleet" (comma-separated, duplicates dropped, order kept).
Result<std::vector<const Target*>> parse_target_list(std::string_view names);

// Counts a string's length as a UTF-16 based runtime (.NET, Java, JavaScript) does: one unit per
// BMP code point, two per supplementary one. Workspace ONE counts CommandXml this way.
std::size_t utf16_length(std::string_view utf8);

// Where fresh CommandUUIDs come from (`--command-uuid fresh`); tests pass a fake.
class UuidSource {
 public:
  virtual ~UuidSource() = default;
  // A new random (version 4) UUID, upper case, 36 characters.
  virtual std::string next() = 0;
};

// UUIDs from the system's random generator (plist/uuid.h: getrandom, arc4random or /dev/urandom).
std::unique_ptr<UuidSource> system_uuid_source();

// Formats 16 random bytes as a version 4, variant 1 UUID (upper case).
std::string format_uuid_v4(std::array<std::uint8_t, 16> bytes);

}  // namespace cmdm::emitters
