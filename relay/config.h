// The relay's configuration: a property list (`cmdm relay serve --config FILE`) naming where it
// listens, its TLS identity, the device CA (and CRL) it trusts, the build CA a published bundle
// must be signed by, where its state lives, the device-profile policy, its limits, and the
// vendor it forwards to with that vendor's credentials (the only place they exist).
// docs/relay.md "Configuration" lists every key.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "dispatcher/config.h"
#include "plist/diagnostic.h"

namespace cmdm::relay {

// Where a device's identity is read from in its client certificate (docs/relay.md "Identity").
enum class IdentitySource { kSubjectCn, kSanDns };
std::string_view identity_source_name(IdentitySource source);  // "subject-cn", "san-dns"

struct Limits {
  std::size_t max_request_bytes = 1u << 20;         // a larger body is refused with 413
  std::chrono::milliseconds read_timeout{10'000};   // the whole request, headers and body
  std::chrono::milliseconds write_timeout{10'000};  // the whole response
  std::chrono::milliseconds handshake_timeout{10'000};
  double requests_per_minute = 120;  // per device, refilled continuously
  double burst = 60;                 // per device, the bucket's size
  std::size_t max_connections = 4096;
  int threads = 2;                                  // network threads (TLS, parsing)
  int forward_threads = 8;                          // threads that wait on the vendor
  std::chrono::milliseconds drain_timeout{30'000};  // SIGTERM: how long in-flight requests get
};

struct RelayConfig {
  std::string file;  // where it was read from
  std::string listen_host = "127.0.0.1";
  int listen_port = 8443;  // 0: any free port (tests)
  // MetricsListen: plain HTTP for /healthz and /metrics only, on a loopback address; an empty
  // host: no such port (relay/monitor.h).
  std::string metrics_host;
  int metrics_port = 0;
  std::string server_certificate;  // PEM paths
  std::string server_key;
  std::string device_ca;    // PEM: the CA device certificates must chain to
  std::string device_crl;   // PEM CRL of the device CA; empty: none
  std::string build_ca;     // PEM: the CA a published manifest's signature must chain to
  std::string state_dir;    // relay.sqlite and the published bundles
  std::string policy_path;  // device-compiled profile policy; empty: refused
  IdentitySource identity = IdentitySource::kSubjectCn;
  Limits limits;
  // The vendor side: a dispatcher configuration with Route direct (dispatcher/config.h).
  dispatcher::DispatcherConfig vendor;
};

// Reads and checks a configuration (kDataError with file:line:col and the key path).
Result<RelayConfig> parse_relay_config(std::string_view bytes, const std::string& file_name);

// Reads the file (bounded); it holds vendor credentials, so one that others may read or write is
// refused (kUsage) with the chmod that fixes it, as the dispatcher's is.
Result<RelayConfig> load_relay_config(const std::string& path);

}  // namespace cmdm::relay
