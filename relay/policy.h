// The policy for profiles a device compiled itself (docs/relay.md "Device-compiled profiles"):
// off unless the policy file turns it on, and then limited to the payload types and identifier
// prefixes it names, within a size limit. Privileged payload types (privacy preferences/TCC,
// system and kernel extensions, com.apple.mdm, root certificates) are refused even when the
// allowed types would match, unless the policy names them in AllowPrivilegedTypes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::relay {

struct Policy {
  bool allow_device_profiles = false;
  std::vector<std::string> allowed_payload_types;  // empty: any type that is not privileged
  std::vector<std::string> identifier_prefixes;    // empty: any identifier
  std::size_t max_profile_bytes = 256u * 1024;
  std::vector<std::string> allowed_privileged_types;
};

// The payload types refused unless a policy names them in AllowPrivilegedTypes.
const std::vector<std::string_view>& privileged_payload_types();

// Reads a policy file (plist; keys in docs/relay.md). kDataError with file:line:col and key path.
Result<Policy> parse_policy(std::string_view bytes, const std::string& file_name);
// The policy at `path`; the default policy (everything refused) when `path` is empty.
Result<Policy> load_policy(const std::string& path);

// Why a device-compiled profile is refused: a code for metrics and the audit log, and words.
struct PolicyRefusal {
  std::string code;  // "device_profiles_disabled", "privileged_type", "type_not_allowed", ...
  std::string message;
};

// One part of a device-compiled build, as the policy sees it.
struct ProfileFacts {
  std::string identifier;
  std::vector<std::string> payload_identifiers;
  std::vector<std::string> payload_types;
};

// nullopt when the policy allows the profile.
std::optional<PolicyRefusal> check_profile_size(const Policy& policy, std::size_t bytes);
std::optional<PolicyRefusal> check_profile(const Policy& policy, const ProfileFacts& facts);

}  // namespace cmdm::relay
