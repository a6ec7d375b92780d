// Factories of the passes, one per optimizer/<pass>.cc; the registry (registry.cc) lists them.
#pragma once

#include <memory>

#include "optimizer/optimizer.h"

namespace cmdm::optimizer {

std::unique_ptr<Pass> make_drop_cosmetic_keys();
std::unique_ptr<Pass> make_drop_xml_header();
std::unique_ptr<Pass> make_short_payload_uuids();
std::unique_ptr<Pass> make_drop_unknown_keys();
std::unique_ptr<Pass> make_drop_consent_text();
std::unique_ptr<Pass> make_bare_dict();
std::unique_ptr<Pass> make_binary_plist();

// Keys the device only displays. The profile's own PayloadDisplayName is not among the top-level
// ones: it names the profile in System Settings and in `profiles list`.
inline constexpr std::string_view kCosmeticTopLevelKeys[] = {"PayloadDescription",
                                                             "PayloadOrganization"};
inline constexpr std::string_view kCosmeticPayloadKeys[] = {
    "PayloadDescription", "PayloadDisplayName", "PayloadOrganization"};

// Keys every payload carries whatever its type (never dropped as "unknown").
bool is_common_payload_key(std::string_view key);

}  // namespace cmdm::optimizer
