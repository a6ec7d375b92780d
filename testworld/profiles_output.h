// What macOS `profiles` prints about installed profiles, built from the emulator's state: the
// property list of `profiles show -output stdout-xml` (and the legacy `profiles -P -o stdout-xml`)
// and the text of `profiles list`. The shapes follow real output kept in
// ../shared/cm-tools-fixtures (tests compare against it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plist/value.h"
#include "testworld/device_state.h"

namespace cmdm::testworld {

// "2024-04-22 14:12:42 +0000", the form of ProfileInstallDate.
std::string format_install_date(std::int64_t unix_seconds);

// One profile as `profiles show` describes it: ProfileIdentifier, ProfileUUID, ProfileDisplayName,
// ProfileDescription, ProfileInstallDate, ProfileItems (one dict per payload: PayloadType,
// PayloadIdentifier, PayloadUUID, PayloadContent, ...), ProfileOrganization,
// ProfileRemovalDisallowed, ProfileType, ProfileVerificationState, ProfileVersion.
plist::Value describe_profile(const InstalledProfile& profile);

// The whole document: {owner: [profile, ...]} with `_computerlevel` for device profiles and the
// user's short name for user profiles. Keys are sorted, as CoreFoundation writes them.
plist::Value show_document(const std::vector<InstalledProfile>& profiles);

// The document as `profiles` prints it (Apple's tab-indented XML).
std::string show_xml(const std::vector<InstalledProfile>& profiles);

// `profiles list` for one owner (`_computerlevel`, or a user's short name):
//   _computerlevel[1] attribute: profileIdentifier: com.example.a
//   There are 1 system configuration profiles installed
std::string list_text(const std::vector<InstalledProfile>& profiles, std::string_view owner);

}  // namespace cmdm::testworld
