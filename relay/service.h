// What the relay answers, apart from TLS and HTTP framing (relay/server.h): the versioned JSON
// API of docs/relay.md for one authenticated device. Every decision is made here: a device may
// install only a part of a published, signed bundle, remove only what the relay installed on
// it, and a retried request is answered from the record instead of sent again. Each request
// leaves an audit entry.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/sender.h"
#include "relay/config.h"
#include "relay/metrics.h"
#include "relay/policy.h"
#include "relay/store.h"

namespace cmdm::relay {

struct ServiceRequest {
  std::string method;           // "GET", "POST"
  std::string target;           // path and query: "/v1/install"
  std::string idempotency_key;  // the Idempotency-Key header; "" when absent
  std::string body;
};

struct ServiceResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string route;    // the route it matched ("/v1/install", "unknown"), for metrics
  std::string outcome;  // "ok", "forwarded", "replayed", "refused", "failed"
  std::string reason;   // the refusal code, "" otherwise
};

// Sends one vendor request (dispatcher::send_request with the relay's vendor configuration).
// Thread-safe.
class Forwarder {
 public:
  virtual ~Forwarder() = default;
  virtual Result<dispatcher::Sent> forward(const dispatcher::Outgoing& request,
                                           const dispatcher::SlotValues& values) = 0;
  // SIGHUP: new vendor settings for forwards that start after this call.
  virtual void reload(const dispatcher::DispatcherConfig& vendor) { (void)vendor; }
};

// A new libcurl transport per forward: curl handles are not shared between threads.
std::unique_ptr<Forwarder> make_vendor_forwarder(dispatcher::DispatcherConfig vendor);

class Service {
 public:
  Service(std::shared_ptr<const RelayConfig> config, std::shared_ptr<const Policy> policy,
          Store& store, Forwarder& forwarder, Metrics& metrics);
  ~Service();

  // `device` is the identity the client certificate gave (never the body).
  ServiceResponse handle(const std::string& device, const ServiceRequest& request);

  // SIGHUP: the new configuration and policy apply to requests that start after this call.
  void reload(std::shared_ptr<const RelayConfig> config, std::shared_ptr<const Policy> policy);

  // Injected for tests; the default reads the steady clock.
  void set_clock(std::function<std::chrono::steady_clock::time_point()> clock);

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace cmdm::relay
