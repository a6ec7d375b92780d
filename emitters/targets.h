// The target registry: for each MDM (or local) target, its wire formats, what its limit counts,
// the encodings and signing it accepts. The optimizer's size model and the emitters share it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::emitters {

// Placeholder written into build-time command bodies where a CommandUUID goes; the dispatcher
// replaces it per send (NanoMDM rejects reuse). Same length as a real UUID, so sizes are exact.
inline constexpr std::string_view kCommandUuidPlaceholder = "00000000-0000-0000-0000-00000000C0DE";

struct Target {
  std::string_view name;         // "workspaceone", "micromdm", "nanomdm", "fleet", "jamf", "raw", "local"
  std::string_view description;  // one line for `cmdm targets`
  std::size_t default_limit;     // 0 = no limit
  std::string_view limit_counts;  // what the limit counts, e.g. "characters of CommandXml"
  bool accepts_signed;           // jamf: false
  bool accepts_binary;           // whether a binary-plist profile may be sent
  bool is_mdm;                   // false for `local`

  // The install body for `profile` (the final .mobileconfig bytes), exactly as sent.
  std::string (*install_body)(std::string_view profile, std::string_view identifier);
  // The remove body for the profile with `identifier`.
  std::string (*remove_body)(std::string_view identifier);
  // What the vendor counts against the limit, computed from the real encoded body (never estimated).
  std::size_t (*command_size)(std::string_view profile);
  // File extension of the bodies in OUT/commands/<target>/ (json, plist, xml, mobileconfig).
  std::string_view body_extension;
};

// The table, in the order `cmdm targets` lists it.
const std::vector<Target>& targets();

// Finds a target by name; an unknown name gets an Error with "did you mean".
Result<const Target*> find_target(std::string_view name);

}  // namespace cmdm::emitters
