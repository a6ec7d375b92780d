// The kinds every stage and the manifest share: optimizer level, route, profile format and signing
// policy. Inside the libraries they are enums; their names exist only where an option is parsed or
// the manifest is written or read, through the functions below (one table each).
#pragma once

#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::emitters {

// DESIGN.md "Optimizer levels". Each level allows everything the one before allows.
enum class Level { kLossless, kSafe, kAggressive };

// How a part reaches the devices through one target.
enum class Route {
  kMdm,            // through the MDM: command bodies are written
  kLocal,          // installed on the device by hand or with `profiles` (macOS 10.15 and older)
  kUndeliverable,  // no way to the devices through this target
};

// How a profile is encoded.
enum class Format { kXml, kBinary };

enum class SigningPolicy {
  // Sign; if the signed profile fits the target, send it signed; otherwise, if the unsigned one
  // fits, send it unsigned (an MDM-installed profile is still non-removable); otherwise split.
  kPreferSigned,
  // Never drop the signature: send signed if it fits, else split (each part signed).
  kRequireSigned,
  // Never sign: send unsigned if it fits, else split.
  kUnsigned,
};

// One row per signing policy: its name and what it does (for --help and `cmdm targets`).
struct PolicyInfo {
  SigningPolicy policy;
  std::string_view name;
  std::string_view description;
};
const std::vector<PolicyInfo>& signing_policies();

std::string_view level_name(Level level);            // "lossless", "safe", "aggressive"
std::string_view route_name(Route route);            // "mdm", "local", "undeliverable"
std::string_view format_name(Format format);         // "xml", "binary"
std::string_view policy_name(SigningPolicy policy);  // "prefer-signed", ...

// Unknown names are ExitCode::kUsage errors with "did you mean" and the list of names.
Result<Level> parse_level(std::string_view name);
Result<Route> parse_route(std::string_view name);
Result<Format> parse_format(std::string_view name);
Result<SigningPolicy> parse_signing_policy(std::string_view name);

}  // namespace cmdm::emitters
