// The dispatcher's configuration: a property list (default /Library/Preferences/
// com.cmdm.dispatcher.plist; `cmdm` takes another path from CMDM_CONFIG) naming the route, the
// target, the server, how the device is identified, the credentials, TLS, timeouts, retries and
// where the ledger lives. docs/dispatcher.md lists every key.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "dispatcher/secret.h"
#include "dispatcher/transport.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

inline constexpr char kDefaultConfigPath[] = "/Library/Preferences/com.cmdm.dispatcher.plist";
inline constexpr char kDefaultLedgerPath[] = "/var/db/cmdm/ledger.sqlite";

// direct: the device holds the vendor's API credentials and talks to the MDM itself (small
// fleets, tests); relay: the device talks only to `cmdm relay serve` with its client
// certificate, and the relay holds the vendor's credentials (DESIGN.md "Runtime").
enum class Route { kDirect, kRelay };
std::string_view route_name(Route route);  // "direct", "relay"

// What names the device to the MDM: its serial number, its UDID, or a lookup through the
// vendor's API (serial number to the vendor's own device id).
enum class DeviceIdentity { kSerial, kUdid, kLookup };
std::string_view identity_name(DeviceIdentity identity);  // "serial", "udid", "lookup"

// Workspace ONE: basic authentication (Username, Password, TenantCode) or OAuth2 client
// credentials (ClientID, ClientSecret, TokenURL); exactly one of the two.
struct WorkspaceOneCredentials {
  std::string username;
  Secret password;
  Secret tenant_code;  // the aw-tenant-code API key
  std::string client_id;
  Secret client_secret;
  std::string token_url;
  bool uses_oauth() const { return !client_id.empty(); }
};

struct RelayCredentials {
  std::string client_certificate;  // PEM file paths
  std::string client_key;
};

struct DispatcherConfig {
  Route route = Route::kDirect;
  std::string target;      // a name from the target registry (emitters/targets.h)
  std::string server_url;  // the MDM's API (direct) or the relay (relay); empty for `local`
  DeviceIdentity identity = DeviceIdentity::kSerial;
  std::optional<WorkspaceOneCredentials> workspace_one;
  Secret micromdm_api_key;
  Secret nanomdm_api_key;
  // NanoMDM UserEnrollmentIDs: the console user's short name → the enrollment id of that user's
  // channel, for User-scope parts (NanoMDM addresses a user channel by its own id).
  std::map<std::string, std::string> nanomdm_user_enrollment_ids;
  Secret fleet_token;
  std::optional<RelayCredentials> relay;
  std::string ca_bundle;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};
  RetryPolicy retry;
  std::string ledger_path = kDefaultLedgerPath;
  std::string profiles_path = "/usr/bin/profiles";
  // The id the MDM knows this device by, given outright (a device emulator, a Mac whose serial the
  // MDM does not use); empty: taken from the device's facts as DeviceIdentity says.
  std::string device_id;
  bool holds_secrets() const;
};

// Reads and checks a configuration. Errors are ExitCode::kDataError with file:line:col and the
// key path: an unknown key (with "did you mean"), a value of the wrong type or out of range, a
// missing key the route or target needs, vendor credentials under the relay route (they belong
// on the relay).
Result<DispatcherConfig> parse_config(std::string_view bytes, const std::string& file_name);

// Reads the file at `path` (bounded) and parses it. A configuration that others may write to,
// or that holds secrets and others may read, is refused (ExitCode::kUsage) with the chmod that
// fixes it; so is a relay ClientKey file others may read.
Result<DispatcherConfig> load_config(const std::string& path);

// The transport options the configuration asks for (TLS, timeouts, retries).
TransportOptions transport_options(const DispatcherConfig& config);

}  // namespace cmdm::dispatcher
