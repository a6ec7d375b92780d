// The relay's monitoring port (`MetricsListen`, docs/relay.md "Logs and metrics"): plain HTTP on
// a loopback address serving only GET /healthz and GET /metrics, so a scraper on the relay's host
// needs no device certificate. Everything else is 404; the device API stays on the mutual-TLS
// port only. Boost.Beast stays in monitor.cc.
#pragma once

#include <memory>
#include <string>

#include "plist/diagnostic.h"
#include "relay/metrics.h"

namespace cmdm::relay {

class MonitorServer {
 public:
  // Binds host:port (port 0: any free one) and serves on one background thread. The caller
  // checked that `host` is a loopback address (relay/config.cc).
  static Result<std::unique_ptr<MonitorServer>> start(const std::string& host, int port,
                                                      Metrics& metrics);
  ~MonitorServer();  // stops and joins
  MonitorServer(const MonitorServer&) = delete;
  MonitorServer& operator=(const MonitorServer&) = delete;

  int port() const;

  struct Impl;

 private:
  explicit MonitorServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cmdm::relay
