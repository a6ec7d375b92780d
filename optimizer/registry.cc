// The pass registry: every pass, its level and what it does, in the order the optimizer runs them.
#include <string>
#include <vector>

#include "optimizer/passes.h"
#include "plist/suggest.h"

namespace cmdm::optimizer {

const std::vector<PassInfo>& passes() {
  static const std::vector<PassInfo> kPasses = {
      {"drop-cosmetic-keys",
       "drop display-only keys (PayloadDescription, PayloadOrganization; PayloadDisplayName inside "
       "payloads)",
       Level::kSafe, make_drop_cosmetic_keys},
      {"drop-xml-header", "leave out the <?xml?> declaration and the DOCTYPE", Level::kSafe,
       make_drop_xml_header},
      {"drop-unknown-keys", "drop keys Apple's schema does not know for a closed payload type",
       Level::kAggressive, make_drop_unknown_keys},
      {"drop-consent-text", "drop ConsentText (MDM targets only; shown only on manual install)",
       Level::kAggressive, make_drop_consent_text},
      {"short-payload-uuids", "shorten payload UUIDs (deterministic, unique within the profile)",
       Level::kAggressive, make_short_payload_uuids},
      {"bare-dict", "write the top-level <dict> without the <plist> element", Level::kAggressive,
       make_bare_dict},
      {"binary-plist", "encode as binary plist when the target accepts it and it counts smaller",
       Level::kAggressive, make_binary_plist},
  };
  return kPasses;
}

Result<const PassInfo*> find_pass(std::string_view id) {
  std::vector<std::string> ids;
  for (const PassInfo& p : passes()) {
    if (p.id == id) return &p;
    ids.emplace_back(p.id);
  }
  return unknown_name("pass", id, ids, "(`cmdm passes` lists them)");
}

bool is_common_payload_key(std::string_view key) {
  // PayloadEnabled is not in Apple's current schema, but Profile Manager wrote it and a false value
  // may still disable a payload on older systems: it is kept like the documented common keys.
  static constexpr std::string_view kCommon[] = {
      "PayloadType",        "PayloadVersion",     "PayloadIdentifier",   "PayloadUUID",
      "PayloadDisplayName", "PayloadDescription", "PayloadOrganization", "PayloadEnabled"};
  for (std::string_view k : kCommon) {
    if (k == key) return true;
  }
  return false;
}

}  // namespace cmdm::optimizer
