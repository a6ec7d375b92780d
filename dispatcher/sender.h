// Sends one command of an apply to the configured MDM vendor: the request the manifest describes
// (or, for a part the build no longer has, the one the target registry describes), with its
// per-send slots filled, the vendor's authentication added, and the answer turned into "taken,
// with this CommandUUID" or an error in plain words. Credentials never appear in an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/config.h"
#include "dispatcher/oauth.h"
#include "dispatcher/transport.h"
#include "emitters/manifest.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

// One request ready to send except for its per-send slots.
struct Outgoing {
  std::string target;  // the vendor target ("nanomdm")
  std::string method;
  std::string path;  // with {slot} placeholders
  std::string content_type;
  std::string body;  // bytes with placeholder text where body slots go
  std::vector<int> success;
  std::vector<emitters::RequestSlot> slots;
  std::optional<emitters::SizeErrorInfo> size_error;
};

// The requests of `action` ("install", "update", "remove") for a part's route, bodies read from
// `out_dir` and checked against their SHA-256 (a changed file is kDataError). An update with no
// requests of its own sends the install requests: InstallProfile replaces a profile with the same
// identifier.
Result<std::vector<Outgoing>> manifest_requests(const std::string& out_dir,
                                                const emitters::TargetRoute& route,
                                                std::string_view action);

// The remove requests of `target` for a part the build no longer has, from the target registry
// (the registry builds the remove body from the identifier alone).
Result<std::vector<Outgoing>> registry_remove_requests(std::string_view target,
                                                       const std::string& identifier,
                                                       bool user_scope);

// Values filled per send.
struct SlotValues {
  std::string command_uuid;  // fresh per send; empty when the request has no command_uuid slot
  std::string device_id;     // the UDID (or serial) the vendor knows the device by
  // device_id is the serial number: Workspace ONE is then asked with searchby=Serialnumber.
  bool device_id_is_serial = false;
  std::string enrollment_id;  // NanoMDM's enrollment id for the part's channel
  // Fleet's profile_uuid of the installed part (from the ledger), for its DELETE.
  std::string fleet_profile_uuid;
};

// True when some request carries a command_uuid slot (the sender chooses the CommandUUID).
bool needs_command_uuid(const std::vector<Outgoing>& requests);

// What the vendor answered to a taken command: the CommandUUID it carries (the one filled in, or
// the one the vendor generated and reported; empty when the vendor reports none).
struct Sent {
  int status = 0;
  std::string command_uuid;
  // The vendor's reference to what it stored (Fleet's profile_uuid), when the answer names one.
  std::string vendor_ref;
  std::string body;  // the answer, for callers that read more of it
};

// Sends one request to config.server_url with the vendor's authentication (Workspace ONE OAuth2
// takes its bearer token from `tokens`; a 401 to a cached token gets one new token and one
// retry). Errors: 401 or 403 → kNoPermission naming the configuration keys of the credentials
// (the whole apply stops: every other request would be refused too); another status that is not
// a success → kDataError naming the vendor's answer, in plain words when it is the route's size
// refusal; the server unreachable or still failing after the transport's retries →
// kUnavailable; a slot that cannot be filled or a relay route → kUsage.
Result<Sent> send_request(const DispatcherConfig& config, const Outgoing& request,
                          const SlotValues& values, Transport& transport,
                          OAuthTokens* tokens = nullptr);

// The configuration keys that hold the credentials of the configured target, as a refusal names
// them ("NanoMDM APIKey", "WorkspaceONE ClientID and ClientSecret").
std::string credential_keys(const DispatcherConfig& config);

// A server's answer as an error message quotes it: at most `max_bytes` (cut on a character
// boundary, then "…"), control characters written visibly (\n, \t, \x07) so a hostile
// answer can neither hide text nor move the terminal's cursor.
std::string vendor_text(std::string_view body, std::size_t max_bytes = 300);

}  // namespace cmdm::dispatcher
