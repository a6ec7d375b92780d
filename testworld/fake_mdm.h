// Fake MDM vendor servers on 127.0.0.1 for the runtime's tests: one per vendor (Workspace ONE,
// MicroMDM, NanoMDM, Fleet), each enforcing the contract of the endpoint that emitters/targets.cc
// builds bodies for, delivering accepted InstallProfile/RemoveProfile commands to emulated devices
// (device_state.h), counting every request, and suffering injected faults (faults.h).
// Started in-process by unit tests, or as the cmdm-fake-mdm executable (docs/testworld.md).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "testworld/delivery.h"
#include "testworld/faults.h"

namespace cmdm::testworld {

enum class Vendor { kWorkspaceOne, kMicroMdm, kNanoMdm, kFleet };

// "workspaceone", "micromdm", "nanomdm", "fleet" (the target names of `cmdm targets`).
std::string_view vendor_name(Vendor vendor);
Result<Vendor> parse_vendor(std::string_view name);

// What the fake accepts as authentication. Empty fields take the vendor's test defaults
// (default_credentials); the values are for tests only and never secret.
struct Credentials {
  std::string username;     // HTTP basic user: Workspace ONE's API user, "micromdm", "nanomdm"
  std::string password;     // HTTP basic password or API key
  std::string tenant_code;  // Workspace ONE aw-tenant-code header
  std::string token;        // Fleet API bearer token
  // Workspace ONE OAuth2 client credentials, taken at POST /connect/token.
  std::string client_id;
  std::string client_secret;
};
Credentials default_credentials(Vendor vendor);

struct FakeMdmOptions {
  Vendor vendor = Vendor::kMicroMdm;
  Credentials credentials;  // filled from default_credentials when empty
  int port = 0;             // 0: any free port
  // Devices by the id the vendor addresses them with (UDID, enrollment id, host UUID) and the
  // state directory of each emulated device.
  std::map<std::string, std::string> devices;
  // Serial numbers of those devices (serial → id), for the vendors' lookups by serial.
  std::map<std::string, std::string> serials;
  // NanoMDM user channels: enrollment id → the device id and the user's short name; a command
  // to one installs for that user on that device.
  struct UserChannel {
    std::string device;
    std::string user;
  };
  std::map<std::string, UserChannel> user_channels;
  DeliveryPolicy delivery;
  std::vector<Fault> faults;
  int threads = 4;                          // worker threads (bounded)
  std::size_t max_body_bytes = 32u << 20;   // larger bodies get 413 before any vendor rule
  std::size_t fleet_body_limit = 2u << 20;  // Fleet's request body limit
  int io_timeout_ms = 10000;                // read and write timeout per connection
  bool log_requests = false;                // one line per request on stderr, no secrets
  int token_lifetime_s = 3600;              // expires_in of the OAuth2 tokens it issues
};

// Counts of everything the server saw, for assertions and GET /_fake/stats.
struct FakeMdmStats {
  std::string vendor;        // the vendor this server plays
  std::size_t requests = 0;  // vendor requests (the /_fake/ endpoints are not counted)
  std::map<std::string, std::size_t> by_route;         // "POST /v1/commands" -> n
  std::map<std::string, std::size_t> by_command_uuid;  // every request naming a CommandUUID
  std::map<int, std::size_t> by_status;                // answers sent (resets are not answers)
  std::size_t accepted = 0;                            // commands the vendor accepted
  std::size_t delivered = 0;                           // accepted commands handed to a known device
  std::size_t undelivered = 0;     // accepted but never handed over (unknown device, nodeliver)
  std::size_t faults = 0;          // requests that met an injected fault
  std::size_t device_applied = 0;  // deliveries the devices applied (or stored for their poll)
  std::size_t device_failed = 0;   // deliveries the devices refused
  std::size_t token_requests = 0;  // POST /connect/token, granted or not
  std::string to_json() const;
  std::string to_prometheus() const;  // GET /_fake/metrics, Prometheus text format
};

class FakeMdm {
 public:
  // Binds 127.0.0.1 (never another address) and starts serving on a background thread.
  static Result<std::unique_ptr<FakeMdm>> start(FakeMdmOptions options);
  ~FakeMdm();  // stop()
  FakeMdm(const FakeMdm&) = delete;
  FakeMdm& operator=(const FakeMdm&) = delete;

  int port() const;
  std::string base_url() const;  // http://127.0.0.1:PORT
  // Stops accepting, wakes requests held by faults, waits for the workers; idempotent.
  void stop();

  FakeMdmStats stats() const;
  void add_fault(Fault fault);
  void clear_faults();
  // Makes every OAuth2 token issued so far expired, as if its lifetime had passed.
  void expire_tokens();
  // Waits until every delayed delivery reached its device, or the timeout; true when all did.
  bool drain(int timeout_ms);

  struct Impl;

 private:
  explicit FakeMdm(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cmdm::testworld
