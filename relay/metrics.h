// The relay's counters, served by GET /metrics in the Prometheus text format (version 0.0.4):
// requests by route and status, outcomes, a latency histogram, forwards to the vendor by result,
// and refusals by reason. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cmdm::relay {

class Metrics {
 public:
  Metrics();
  // One request answered: its route ("/v1/install"), status, outcome ("forwarded", "replayed",
  // "refused", "failed", "ok") and how long it took.
  void observe(const std::string& route, int status, const std::string& outcome, double seconds);
  void forward(const std::string& result);             // "sent", "refused", "unavailable"
  void refusal(const std::string& reason);             // a refusal code ("not_published", ...)
  void connection_refused(const std::string& reason);  // "tls", "max_connections", ...
  std::string prometheus() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, long long> requests_;
  std::map<std::string, long long> outcomes_, forwards_, refusals_, connections_refused_;
  std::vector<double> bounds_;
  std::vector<long long> buckets_;  // cumulative counts are made when printing
  double latency_sum_ = 0;
  long long latency_count_ = 0;
};

}  // namespace cmdm::relay
