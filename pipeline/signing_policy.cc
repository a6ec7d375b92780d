// The signing policy of DESIGN.md: prefer a signed profile, fall back to unsigned when only that
// fits, and split when neither does. Sizes are measured by the caller; this file only decides.
#include "pipeline/signing_policy.h"

namespace cmdm::pipeline {

std::string_view delivery_name(Delivery delivery) {
  switch (delivery) {
    case Delivery::kSigned:
      return "signed";
    case Delivery::kUnsigned:
      return "unsigned";
    case Delivery::kSplit:
      return "split";
    case Delivery::kRefused:
      return "refused";
  }
  return "split";
}

namespace {

std::string limit_text(std::optional<std::size_t> limit) {
  return limit ? "the limit of " + std::to_string(*limit) : std::string("no limit");
}

bool fits(std::size_t size, std::optional<std::size_t> limit) { return !limit || size <= *limit; }

}  // namespace

PolicyDecision decide(SigningPolicy policy,
                      const std::function<std::optional<std::size_t>(bool is_signed)>& measure,
                      std::optional<std::size_t> limit) {
  PolicyDecision d;
  std::optional<std::size_t> signed_bytes;
  if (policy != SigningPolicy::kUnsigned) {
    signed_bytes = measure(true);
    if (signed_bytes && fits(*signed_bytes, limit)) {
      d.delivery = Delivery::kSigned;
      d.reason = "signed profile (" + std::to_string(*signed_bytes) + ") fits " + limit_text(limit);
      return d;
    }
  }
  std::string why;
  if (policy == SigningPolicy::kUnsigned) {
    why = "policy 'unsigned'";
  } else if (!signed_bytes) {
    why = "no signing identity";
  } else {
    why = "signed profile (" + std::to_string(*signed_bytes) + ") exceeds " + limit_text(limit);
  }
  if (policy == SigningPolicy::kRequireSigned && !signed_bytes) {
    d.delivery = Delivery::kRefused;
    d.reason = "policy 'require-signed' needs a signing identity, and none is configured";
    return d;
  }
  if (policy == SigningPolicy::kRequireSigned) {
    d.delivery = Delivery::kSplit;
    d.reason = why + "; policy 'require-signed' keeps the signature, so split into signed parts";
    return d;
  }
  const std::optional<std::size_t> unsigned_bytes = measure(false);
  const std::size_t u = unsigned_bytes.value_or(0);
  if (unsigned_bytes && fits(u, limit)) {
    d.delivery = Delivery::kUnsigned;
    d.reason = why + "; unsigned profile (" + std::to_string(u) + ") fits " + limit_text(limit);
    if (signed_bytes)
      d.reason += ", sent unsigned (an MDM-installed profile is still non-removable)";
    return d;
  }
  d.delivery = Delivery::kSplit;
  d.reason = why + "; unsigned profile (" + std::to_string(u) + ") exceeds " + limit_text(limit) +
             "; split (or route local)";
  return d;
}

PolicyDecision decide(SigningPolicy policy, std::optional<std::size_t> signed_bytes,
                      std::size_t unsigned_bytes, std::optional<std::size_t> limit) {
  return decide(
      policy,
      [&](bool is_signed) -> std::optional<std::size_t> {
        return is_signed ? signed_bytes : std::optional<std::size_t>(unsigned_bytes);
      },
      limit);
}

}  // namespace cmdm::pipeline
