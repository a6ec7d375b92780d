// The signing policy: whether a profile goes out signed, unsigned, or must be split (or installed
// locally), decided from the measured sizes of its signed and unsigned forms and the target limit.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emitters/vocabulary.h"
#include "plist/diagnostic.h"

namespace cmdm::pipeline {

// The policy kinds and their names live with the manifest's other kinds (emitters/vocabulary.h).
using emitters::SigningPolicy;

enum class Delivery {
  kSigned,    // send the signed profile
  kUnsigned,  // send the unsigned profile
  kSplit,     // neither fits: split into parts (or route local when a part cannot fit alone)
  kRefused,   // the policy cannot be met: require-signed without a signing identity
};
// "signed", "unsigned", "split", "refused"
std::string_view delivery_name(Delivery delivery);

struct PolicyDecision {
  Delivery delivery = Delivery::kSplit;
  std::string reason;  // one sentence with the sizes, e.g. for a build log or manifest
};

// Decides from measured sizes. `signed_bytes` is empty when no signing identity is configured;
// `limit` is empty when the target has no limit. Sizes are whatever the target counts (bytes of
// the command, characters of CommandXml): the caller measures, this function only compares.
PolicyDecision decide(SigningPolicy policy, std::optional<std::size_t> signed_bytes,
                      std::size_t unsigned_bytes, std::optional<std::size_t> limit);

// The same, measuring lazily: `measure(true)` gives the signed size (or nullopt when no identity
// is configured), `measure(false)` the unsigned size. Only the sizes the decision needs are
// measured, so a signed profile that fits never pays for the unsigned encoding, and the unsigned
// policy never signs.
PolicyDecision decide(SigningPolicy policy,
                      const std::function<std::optional<std::size_t>(bool is_signed)>& measure,
                      std::optional<std::size_t> limit);

}  // namespace cmdm::pipeline
