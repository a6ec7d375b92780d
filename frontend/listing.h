// The listing the `profiles` front end prints: the real tool's property list, with the parts of
// a profile cmdm split shown again as the one profile the caller installed (its identifier,
// PayloadUUID and display name as in its file, the parts' payloads together), so a caller that
// compares ProfileIdentifier and ProfileUUID with its file finds it. Every entry keeps Apple's
// types as callers parse them: ProfileInstallDate and ProfileRemovalDisallowed are strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/ledger.h"
#include "frontend/args.h"
#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::frontend {

// The owner key of the computer's profiles in the listing.
inline constexpr std::string_view kComputerLevel = "_computerlevel";

// Rewrites the listing `bytes` (`profiles -P -o stdout-xml`; empty output or Apple's "There are
// no configuration profiles installed" is an empty listing). A source whose parts are all listed
// under one owner shows as one entry, in the place of its first part, with the date the ledger
// first saw it installed (it never moves, whatever updates follow); a source missing a part shows
// its parts as they are (not installed as a whole). Entries of other profiles pass unchanged but
// for the two string types. Only the owners `scope` (and `user`) name are kept. Malformed bytes
// are ExitCode::kDataError with line and column in `file_name`.
Result<plist::Value> merge_listing(std::string_view bytes, const std::string& file_name,
                                   const std::vector<dispatcher::SourceRecord>& sources,
                                   ListScope scope, const std::string& user);

// The property list as the real tool prints it (Apple's XML style, tab-indented).
std::string listing_xml(const plist::Value& listing);

// The text listing of `profiles list` and of the legacy letters without -o: per owner,
// "OWNER[n] attribute: profileIdentifier: ID" lines and a count.
std::string listing_text(const plist::Value& listing, ListScope scope, const std::string& user);

// "2024-04-22 14:12:42 +0000", the form of ProfileInstallDate.
std::string format_install_date(std::int64_t unix_seconds);

}  // namespace cmdm::frontend
