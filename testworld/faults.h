// Fault injection for the fake MDM servers: what the next requests suffer instead of (or before)
// the vendor's normal answer. The runtime's retry, backoff, timeout and reconciliation paths are
// tested against these (DESIGN.md "Runtime": timeouts, resets, 5xx, 429).
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::testworld {

struct Fault {
  enum class Kind {
    kServerError,      // 500 with a JSON body, nothing accepted
    kTooManyRequests,  // 429 with Retry-After, nothing accepted
    kReset,            // the connection is closed without a response
    kSlow,             // the normal answer, after delay_ms
    kTimeout,          // no answer for delay_ms (default 30 s), then the connection is closed
    kNoDelivery,       // the normal answer, but the command never reaches the device
  };
  Kind kind = Kind::kServerError;
  int count = 1;          // how many of the next requests; -1: every request from now on
  int delay_ms = 0;       // kSlow, kTimeout
  int retry_after_s = 1;  // kTooManyRequests
};

// One fault from its text form, as flags and POST /_fake/faults take it:
//   KIND[:COUNT][:key=value...]   KIND is 500, 429, reset, slow, timeout or nodeliver;
//   COUNT is a number or "all"; keys: ms=N (slow, timeout), retry=N (429).
// Examples: "500:3", "429:1:retry=2", "slow:2:ms=800", "timeout:1:ms=5000", "nodeliver:all".
Result<Fault> parse_fault(std::string_view text);
std::string fault_text(const Fault& fault);  // the same form back

// The faults waiting for the next requests, used in order: the first fault serves its count of
// requests, then the next one starts. Thread-safe.
class FaultPlan {
 public:
  void add(Fault fault);
  void clear();
  // The fault for the request arriving now, if any (and uses it up).
  std::optional<Fault> next();
  std::vector<Fault> pending() const;

 private:
  mutable std::mutex mu_;
  std::deque<Fault> faults_;
};

}  // namespace cmdm::testworld
