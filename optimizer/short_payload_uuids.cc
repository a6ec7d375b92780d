// Replaces each payload's 36-character PayloadUUID with 8 hex digits derived from the profile's and
// the payload's identifiers: deterministic, unique within the profile. The profile's own UUID and
// any UUID another value refers to (PayloadCertificateUUID, ...) are kept.
#include <cctype>
#include <set>
#include <string>

#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

void collect_strings(const plist::Value& v, std::multiset<std::string>* out) {
  switch (v.type()) {
    case plist::Type::kString:
      out->insert(v.as_string());
      break;
    case plist::Type::kArray:
      for (const plist::Value& e : v.as_array()) collect_strings(e, out);
      break;
    case plist::Type::kDict:
      for (const plist::DictEntry& e : v.as_dict()) collect_strings(e.value, out);
      break;
    default:
      break;
  }
}

class ShortPayloadUuids final : public Pass {
 public:
  static constexpr std::size_t kLength = 8;

  Status run(plist::Value& profile, Encoding&, const PassContext&,
             std::vector<std::string>&) override {
    plist::Value* content = profile.get("PayloadContent");
    if (!content || !content->is_array()) return Ok{};
    // Every string in the profile: a payload UUID that occurs more than once (as its own value and
    // elsewhere) is referred to, or duplicated, and must keep its spelling.
    std::multiset<std::string> strings;
    collect_strings(profile, &strings);
    std::set<std::string> taken(strings.begin(), strings.end());
    const std::string* profile_id = profile.get_string("PayloadIdentifier");
    std::size_t index = 0;
    for (plist::Value& payload : content->as_array()) {
      ++index;
      plist::Value* uuid = payload.get("PayloadUUID");
      if (!uuid || !uuid->is_string() || uuid->as_string().size() <= kLength) continue;
      if (strings.count(uuid->as_string()) > 1) continue;
      const std::string* payload_id = payload.get_string("PayloadIdentifier");
      // Seeded by identifiers rather than position, so a payload keeps its short UUID when others
      // are added or removed; the index only breaks ties between payloads lacking an identifier.
      std::string seed = (profile_id ? *profile_id : "") + "\n" +
                         (payload_id ? *payload_id : "#" + std::to_string(index));
      std::string hex = plist::digest_hex(plist::Value(seed));
      std::string candidate;
      for (std::size_t n = kLength; n <= hex.size(); n += 2) {
        candidate = hex.substr(0, n);
        for (char& c : candidate)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!taken.count(candidate)) break;
      }
      if (taken.count(candidate) || candidate.size() >= uuid->as_string().size()) continue;
      taken.insert(candidate);
      *uuid = plist::Value(candidate);
    }
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_short_payload_uuids() { return std::make_unique<ShortPayloadUuids>(); }

}  // namespace cmdm::optimizer
