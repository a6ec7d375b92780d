// The relay's HTTPS front (docs/relay.md "Server"): mutual TLS (1.2 or later) against the device
// CA and its CRL, so a certificate from another CA, an expired or a revoked one is refused in the
// handshake; the device's identity from its certificate; HTTP/1.1 with keep-alive, a deadline on
// reading each whole request and on writing each answer (a client sending one byte a second
// holds only its own connection, and only until the deadline), a cap on bodies and connections;
// one log line per request; the Service's work on a separate pool of threads so a slow vendor
// never stalls the network threads. Boost.Beast and OpenSSL stay in server.cc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "plist/diagnostic.h"
#include "relay/config.h"
#include "relay/metrics.h"
#include "relay/service.h"

namespace cmdm::relay {

class Server {
 public:
  // Binds config.listen_host:listen_port and serves on background threads. `log` gets one line
  // per request and per refused connection (never a secret or a profile's bytes).
  static Result<std::unique_ptr<Server>> start(const RelayConfig& config, Service& service,
                                               Metrics& metrics,
                                               std::function<void(std::string_view)> log);
  ~Server();  // drain(0)
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  // New TLS settings (certificates, device CA, CRL) and limits for connections accepted from now
  // on; on an error the old settings stay.
  Status reload(const RelayConfig& config);
  // Stops accepting, lets requests already read finish for up to `timeout`, then closes every
  // connection and joins the threads. Idempotent.
  void drain(std::chrono::milliseconds timeout);

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The device identity `source` names in a PEM certificate (tests, `cmdm relay` diagnostics);
// kDataError when the certificate has none that the identity rule accepts.
Result<std::string> certificate_identity(std::string_view pem, IdentitySource source);

}  // namespace cmdm::relay
