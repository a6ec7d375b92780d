// Prometheus text exposition of the relay's counters (relay/metrics.h).
#include "relay/metrics.h"

#include <sstream>

namespace cmdm::relay {
namespace {

// Label values are our own route names and codes, but escaped anyway as the format asks.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void counter(std::ostringstream& out, const char* name, const char* help, const char* label_name,
             const std::map<std::string, long long>& values) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n";
  for (const auto& [key, n] : values) {
    out << name << "{" << label_name << "=\"" << label(key) << "\"} " << n << "\n";
  }
}

}  // namespace

Metrics::Metrics()
    : bounds_{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
      buckets_(bounds_.size() + 1, 0) {}

void Metrics::observe(const std::string& route, int status, const std::string& outcome,
                      double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  ++outcomes_[outcome];
  std::size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  ++buckets_[i];
  latency_sum_ += seconds;
  ++latency_count_;
}

void Metrics::forward(const std::string& result) {
  std::lock_guard lock(mutex_);
  ++forwards_[result];
}

void Metrics::refusal(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++refusals_[reason];
}

void Metrics::connection_refused(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++connections_refused_[reason];
}

std::string Metrics::prometheus() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP cmdm_relay_requests_total Requests answered, by route and HTTP status.\n"
         "# TYPE cmdm_relay_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out << "cmdm_relay_requests_total{route=\"" << label(key.first) << "\",status=\"" << key.second
        << "\"} " << n << "\n";
  }
  counter(out, "cmdm_relay_outcomes_total", "Requests by outcome.", "outcome", outcomes_);
  counter(out, "cmdm_relay_forwards_total", "Requests forwarded to the vendor, by result.",
          "result", forwards_);
  counter(out, "cmdm_relay_refusals_total", "Device requests refused, by reason.", "reason",
          refusals_);
  counter(out, "cmdm_relay_connections_refused_total",
          "Connections closed before a request, by reason.", "reason", connections_refused_);
  out << "# HELP cmdm_relay_request_duration_seconds Time from a complete request to its answer.\n"
         "# TYPE cmdm_relay_request_duration_seconds histogram\n";
  long long cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i];
    out << "cmdm_relay_request_duration_seconds_bucket{le=\"" << bounds_[i] << "\"} " << cumulative
        << "\n";
  }
  cumulative += buckets_.back();
  out << "cmdm_relay_request_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "cmdm_relay_request_duration_seconds_sum " << latency_sum_ << "\n"
      << "cmdm_relay_request_duration_seconds_count " << latency_count_ << "\n";
  return out.str();
}

}  // namespace cmdm::relay
