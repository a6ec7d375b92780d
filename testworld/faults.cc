// Fault specifications and the queue of faults a fake server applies to its next requests.
#include "testworld/faults.h"

#include <charconv>

namespace cmdm::testworld {

namespace {

struct KindName {
  Fault::Kind kind;
  std::string_view name;
};

constexpr KindName kKinds[] = {
    {Fault::Kind::kServerError, "500"}, {Fault::Kind::kTooManyRequests, "429"},
    {Fault::Kind::kReset, "reset"},     {Fault::Kind::kSlow, "slow"},
    {Fault::Kind::kTimeout, "timeout"}, {Fault::Kind::kNoDelivery, "nodeliver"},
};

// The default hold of a timeout fault: longer than any client timeout the runtime should use.
constexpr int kDefaultTimeoutMs = 30000;

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  for (;;) {
    std::size_t end = text.find(sep, pos);
    parts.push_back(text.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) return parts;
    pos = end + 1;
  }
}

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

Error bad(std::string_view text, const std::string& why) {
  return Error::make(ExitCode::kUsage, "",
                     "fault \"" + std::string(text) + "\": " + why +
                         " (KIND[:COUNT][:ms=N][:retry=N], KIND one of 500, 429, reset, slow, "
                         "timeout, nodeliver)");
}

}  // namespace

Result<Fault> parse_fault(std::string_view text) {
  std::vector<std::string_view> parts = split(text, ':');
  Fault fault;
  bool known = false;
  for (const KindName& k : kKinds) {
    if (k.name == parts[0]) {
      fault.kind = k.kind;
      known = true;
    }
  }
  if (!known) return bad(text, "unknown kind");
  if (fault.kind == Fault::Kind::kTimeout) fault.delay_ms = kDefaultTimeoutMs;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (i == 1 && part == "all") {
      fault.count = -1;
    } else if (i == 1 && parse_int(part, fault.count) && fault.count > 0) {
      continue;
    } else if (part.rfind("ms=", 0) == 0 && parse_int(part.substr(3), fault.delay_ms)) {
      continue;
    } else if (part.rfind("retry=", 0) == 0 && parse_int(part.substr(6), fault.retry_after_s)) {
      continue;
    } else {
      return bad(text, "cannot read \"" + std::string(part) + "\"");
    }
  }
  return fault;
}

std::string fault_text(const Fault& fault) {
  std::string out;
  for (const KindName& k : kKinds) {
    if (k.kind == fault.kind) out = std::string(k.name);
  }
  out += ":" + (fault.count < 0 ? std::string("all") : std::to_string(fault.count));
  if (fault.kind == Fault::Kind::kSlow || fault.kind == Fault::Kind::kTimeout) {
    out += ":ms=" + std::to_string(fault.delay_ms);
  }
  if (fault.kind == Fault::Kind::kTooManyRequests) {
    out += ":retry=" + std::to_string(fault.retry_after_s);
  }
  return out;
}

void FaultPlan::add(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(fault);
}

void FaultPlan::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

std::optional<Fault> FaultPlan::next() {
  std::lock_guard<std::mutex> lock(mu_);
  if (faults_.empty()) return std::nullopt;
  Fault fault = faults_.front();
  if (faults_.front().count > 0 && --faults_.front().count == 0) faults_.pop_front();
  return fault;
}

std::vector<Fault> FaultPlan::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {faults_.begin(), faults_.end()};
}

}  // namespace cmdm::testworld
