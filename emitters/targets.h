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

namespace cmdm::emitters {

// Placeholder written into build-time command bodies where a CommandUUID goes; the dispatcher
// replaces it per send (NanoMDM rejects reuse). Same length as a real UUID, so sizes are exact.
inline constexpr std::string_view kCommandUuidPlaceholder = "00000000-0000-0000-0000-00000000C0DE";

// Placeholder for the device a command goes to (MicroMDM's "udid", Fleet's "host_uuids" entry).
// Build outputs do not know the device; the dispatcher substitutes the enrollment's UDID per send.
// 36 characters, like a UUID-style UDID, so measured sizes match a real send to such a device.
inline constexpr std::string_view kDeviceIdPlaceholder = "00000000-0000-0000-0000-0000000DE71C";

struct Target {
  std::string_view name;  // "workspaceone", "micromdm", "nanomdm", "fleet", "jamf", "raw", "local"
  std::string_view description;   // one line for `cmdm targets`
  std::size_t default_limit;      // 0 = no limit
  std::string_view limit_counts;  // what the limit counts, e.g. "characters of CommandXml"
  bool accepts_signed;            // jamf: false
  bool accepts_binary;            // whether a binary-plist profile may be sent
  bool is_mdm;                    // false for `local`

  // The install body for `profile` (the final .mobileconfig bytes), exactly as sent.
  std::string (*install_body)(std::string_view profile, std::string_view identifier);
  // The remove body for the profile with `identifier`.
  std::string (*remove_body)(std::string_view identifier);
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
