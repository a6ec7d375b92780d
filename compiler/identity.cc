// Stable identity: fills PayloadVersion, PayloadIdentifier, PayloadUUID and the top-level
// PayloadType so that the same source always yields the same profile (DESIGN.md "Identity").

#include <map>

#include "compiler/compiler.h"
#include "compiler/expr.h"
#include "plist/hash.h"
#include "plist/uuid.h"

namespace cmdm::compiler {

namespace {

constexpr std::array<std::uint8_t, 16> kPayloadNamespace = {
    0xB0, 0xA6, 0x13, 0xAA, 0x53, 0x87, 0x58, 0xFF, 0xB8, 0x30, 0x77, 0x6F, 0xC7, 0xFA, 0x19, 0x76};

Diagnostic at_value(const SourceText* source, const plist::Value& v, std::string message) {
  if (source && v.offset() != plist::kNoOffset) return Diagnostic::at(*source, v.offset(), message);
  Diagnostic d;
  if (source) d.file = source->name();
  d.message = std::move(message);
  return d;
}

}  // namespace

const std::array<std::uint8_t, 16>& payload_uuid_namespace() { return kPayloadNamespace; }

std::string uuid_v5(const std::array<std::uint8_t, 16>& name_space, std::string_view name) {
  return plist::format_uuid(plist::uuid_v5(name_space, name));
}

std::string stable_payload_uuid(std::string_view identifier, const plist::Value& content) {
  plist::Value without = content;
  if (without.is_dict()) without.as_dict().erase("PayloadUUID");
  std::string name(identifier);
  name += '\n';
  name += plist::digest_hex(without);
  return uuid_v5(kPayloadNamespace, name);
}

Status fill_identity(plist::Value& profile, bool stable_uuids, const SourceText* source) {
  if (!profile.is_dict()) {
    return Error(ExitCode::kDataError,
                 at_value(source, profile,
                          "a profile is a dict at the top level, not " + a_type(profile.type())));
  }
  plist::Dict& top = profile.as_dict();
  const std::string* id = profile.get_string("PayloadIdentifier");
  if (!id || id->empty()) {
    return Error(ExitCode::kDataError,
                 at_value(source, profile,
                          "the profile has no PayloadIdentifier; add one (reverse DNS, e.g. "
                          "com.example.wifi): devices and MDMs recognise a profile by it"));
  }
  const std::string profile_id = *id;
  if (!top.contains("PayloadType")) top.set("PayloadType", plist::Value("Configuration"));
  if (!top.contains("PayloadVersion")) top.set("PayloadVersion", plist::Value(1));

  if (plist::Value* content = top.find("PayloadContent"); content && content->is_array()) {
    plist::Array& payloads = content->as_array();
    // Identifiers already used, so a derived one never collides.
    std::map<std::string, int> used;
    for (const plist::Value& p : payloads) {
      if (const std::string* pid = p.get_string("PayloadIdentifier")) used[*pid]++;
    }
    used[profile_id]++;
    std::map<std::string, int> per_type;
    for (plist::Value& p : payloads) {
      if (!p.is_dict()) continue;
      plist::Dict& d = p.as_dict();
      if (!d.contains("PayloadVersion")) d.set("PayloadVersion", plist::Value(1));
      const std::string* type = p.get_string("PayloadType");
      std::string type_name = type ? *type : "payload";
      int nth = ++per_type[type_name];
      if (!d.contains("PayloadIdentifier")) {
        // <profile id>.<PayloadType>, then .2, .3 for the second and third of a type.
        std::string base = profile_id + "." + type_name;
        std::string candidate = nth == 1 ? base : base + "." + std::to_string(nth);
        while (used.count(candidate)) candidate = base + "." + std::to_string(++nth);
        used[candidate]++;
        d.set("PayloadIdentifier", plist::Value(candidate));
      }
      if (stable_uuids || !d.contains("PayloadUUID")) {
        const std::string* pid = p.get_string("PayloadIdentifier");
        std::string name = pid ? *pid : profile_id + "." + type_name;
        d.set("PayloadUUID", plist::Value(stable_payload_uuid(name, p)));
      }
    }
  }
  if (stable_uuids || !top.contains("PayloadUUID")) {
    top.set("PayloadUUID", plist::Value(stable_payload_uuid(profile_id, profile)));
  }
  return Ok{};
}

}  // namespace cmdm::compiler
