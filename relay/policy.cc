// Device-compiled profile policy (relay/policy.h): reading the file and judging a profile.
#include "relay/policy.h"

#include <algorithm>

#include "plist/file_io.h"
#include "plist/reader.h"
#include "plist/settings_reader.h"

namespace cmdm::relay {
namespace {

using plist::KeyPath;
using plist::Value;

const std::vector<std::string> kKeys = {"AllowDeviceProfiles", "AllowedPayloadTypes",
                                        "AllowedIdentifierPrefixes", "MaxProfileBytes",
                                        "AllowPrivilegedTypes"};

Status read_strings(const plist::SettingsReader& r, const Value& root, std::string_view key,
                    std::vector<std::string>& out) {
  const Value* v = root.get(key);
  if (v == nullptr) return Ok{};
  const KeyPath path = KeyPath().key(key);
  if (!v->is_array()) return r.error(*v, path, "expected an array of strings");
  for (std::size_t i = 0; i < v->as_array().size(); ++i) {
    const Value& item = v->as_array()[i];
    if (!item.is_string() || item.as_string().empty()) {
      return r.error(item, path.index(i), "expected a non-empty string");
    }
    out.push_back(item.as_string());
  }
  return Ok{};
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

const std::vector<std::string_view>& privileged_payload_types() {
  static const std::vector<std::string_view> kTypes = {
      "com.apple.TCC.configuration-profile-policy",  // privacy preferences (TCC)
      "com.apple.system-extension-policy",
      "com.apple.syspolicy.kernel-extension-policy",
      "com.apple.mdm",
      "com.apple.security.root",  // a root certificate the device would trust
  };
  return kTypes;
}

Result<Policy> parse_policy(std::string_view bytes, const std::string& file) {
  Result<plist::Document> doc = plist::read(bytes, {.file_name = file});
  if (!doc) return doc.error();
  const plist::SettingsReader r(
      *doc, file, {.key_listing = "(docs/relay.md lists them)", .name_found_type = false});
  const Value& root = doc->root;
  if (!root.is_dict()) return r.error(root, {}, "the policy must be a dict");
  if (Status s = r.check_keys(root, {}, kKeys); !s) return s.error();
  Policy policy;
  Result<const Value*> allow = r.typed(root, {}, "AllowDeviceProfiles", plist::Type::kBoolean);
  if (!allow) return allow.error();
  if (*allow != nullptr) policy.allow_device_profiles = (*allow)->as_bool();
  Result<std::optional<std::int64_t>> max = r.integer(
      root, {}, "MaxProfileBytes", 1, 16 * 1024 * 1024, "expected an integer from 1 to 16777216");
  if (!max) return max.error();
  if (*max) policy.max_profile_bytes = static_cast<std::size_t>(**max);
  for (auto [key, out] : {std::pair{"AllowedPayloadTypes", &policy.allowed_payload_types},
                          std::pair{"AllowedIdentifierPrefixes", &policy.identifier_prefixes},
                          std::pair{"AllowPrivilegedTypes", &policy.allowed_privileged_types}}) {
    if (Status s = read_strings(r, root, key, *out); !s) return s.error();
  }
  return policy;
}

Result<Policy> load_policy(const std::string& path) {
  if (path.empty()) return Policy{};
  Result<std::string> bytes = read_file(path);
  if (!bytes) return bytes.error();
  return parse_policy(*bytes, path);
}

std::optional<PolicyRefusal> check_profile_size(const Policy& policy, std::size_t bytes) {
  if (!policy.allow_device_profiles) {
    return PolicyRefusal{"device_profiles_disabled",
                         "this relay does not take profiles compiled on the device "
                         "(AllowDeviceProfiles is off)"};
  }
  if (bytes > policy.max_profile_bytes) {
    return PolicyRefusal{"profile_too_large", "the profile is " + std::to_string(bytes) +
                                                  " bytes; the policy allows " +
                                                  std::to_string(policy.max_profile_bytes)};
  }
  return std::nullopt;
}

std::optional<PolicyRefusal> check_profile(const Policy& policy, const ProfileFacts& facts) {
  const auto& privileged = privileged_payload_types();
  for (const std::string& type : facts.payload_types) {
    const bool is_privileged =
        std::find(privileged.begin(), privileged.end(), type) != privileged.end();
    if (is_privileged && !contains(policy.allowed_privileged_types, type)) {
      return PolicyRefusal{"privileged_type",
                           "payload type " + type +
                               " is privileged; the policy must name it in AllowPrivilegedTypes"};
    }
    if (!is_privileged && !policy.allowed_payload_types.empty() &&
        !contains(policy.allowed_payload_types, type)) {
      return PolicyRefusal{"type_not_allowed",
                           "payload type " + type + " is not in the policy's AllowedPayloadTypes"};
    }
  }
  if (policy.identifier_prefixes.empty()) return std::nullopt;
  std::vector<std::string> identifiers = facts.payload_identifiers;
  identifiers.push_back(facts.identifier);
  for (const std::string& id : identifiers) {
    const bool ok = std::any_of(
        policy.identifier_prefixes.begin(), policy.identifier_prefixes.end(),
        [&](const std::string& prefix) { return id.compare(0, prefix.size(), prefix) == 0; });
    if (!ok) {
      return PolicyRefusal{
          "identifier_not_allowed",
          "identifier " + id +
              " does not start with one of the policy's AllowedIdentifierPrefixes"};
    }
  }
  return std::nullopt;
}

}  // namespace cmdm::relay
