// The device side of the relay route (docs/relay.md "API"): instead of a vendor request, the
// device asks `cmdm relay serve` to install a part it names by its build's manifest digest and
// the part's digest, or to remove an identifier. The relay sends the bytes it holds; the device
// authenticates with its client certificate only (the transport's mutual TLS).
#pragma once

#include <string>

#include "dispatcher/config.h"
#include "dispatcher/sender.h"
#include "dispatcher/transport.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

struct RelayChange {
  std::string action;           // "install", "update" or "remove"
  std::string manifest_sha256;  // of the build's manifest.json (install, update)
  std::string identifier;
  std::string digest;  // the part's digest (install, update)
  // The same for every attempt of one change (the ledger's intent): the relay sends a change
  // once per (device, digest, key), however often the device retries it.
  std::string idempotency_key;
};

// SHA-256 of OUT/manifest.json: which published build the device asks from.
Result<std::string> manifest_sha256(const std::string& out_dir);

// Sends one change to config.server_url. 200 → the CommandUUID the relay reports; a refusal (4xx,
// or 502: the vendor refused) → kDataError naming the relay's code and words; the relay or the
// vendor unreachable after retries → kUnavailable.
Result<Sent> send_to_relay(const DispatcherConfig& config, const RelayChange& change,
                           Transport& transport);

}  // namespace cmdm::dispatcher
