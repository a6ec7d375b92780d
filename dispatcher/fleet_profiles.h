// Fleet's managed configuration profiles (target fleet-profiles) are objects on the server, not
// commands: an upload answers with the profile's `profile_uuid`, which a later update or remove
// needs, and Fleet refuses a second upload of one identifier or display name in a team (409).
// This runs one change of a part against that API (docs/dispatcher.md "Fleet managed profiles").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/config.h"
#include "dispatcher/sender.h"
#include "dispatcher/transport.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

// Runs `requests` (the route's install, update or remove requests; values.fleet_profile_uuid is
// the ledger's reference of the installed part, maybe empty) for the profile `identifier`:
// - a DELETE with no reference to fill looks the profile up by identifier in the upload's team
//   (cmdm never uploaded it, or recorded nothing) and is skipped when there is none; one Fleet
//   answers 404 to is already gone (an earlier run deleted it, then stopped);
// - a POST refused with 409 because the team already has a profile with this identifier (an
//   upload whose answer an earlier run never recorded, or one made by hand) deletes that profile
//   and posts once more. A 409 for another profile's display name is an error naming it.
// Returns the last answer; its vendor_ref is the new profile_uuid after an upload. `sent` counts
// the HTTP requests made.
Result<Sent> send_fleet_profile_change(const DispatcherConfig& config,
                                       const std::vector<Outgoing>& requests,
                                       const SlotValues& values, std::string_view identifier,
                                       Transport& transport, std::size_t& sent);

// The team_id field of a fleet-profiles upload body ("" when it has none: "no team").
std::string fleet_team_of(const Outgoing& upload);

}  // namespace cmdm::dispatcher
