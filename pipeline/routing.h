// The one routing rule: how a part reaches the devices through a target (mdm, local or
// undeliverable) and the one sentence that says why and what would fix it. `build`, `split` and
// `check` all route through it, so they cannot disagree about a part.
#pragma once

#include <cstddef>
#include <string>

#include "emitters/targets.h"
#include "emitters/vocabulary.h"

namespace cmdm::pipeline {

// What the rule needs to know about one part.
struct PartFacts {
  std::size_t size = 0;  // what the target's limit counts, measured on the real install body
  bool is_signed = false;
  emitters::Format format = emitters::Format::kXml;
  // The first payload type of the part that macOS installs only through an MDM, or empty.
  std::string mdm_only;
  // Why this target's vendor refuses the part outright (emitters::Target::refusal), or empty.
  std::string refusal;
};

struct RoutingOptions {
  std::size_t limit = 0;  // the limit in force (0 = none)
  // A part too large for the MDM even alone may be installed locally (`--allow-local`, or `--os`
  // naming macOS 10.15 or older); otherwise it is undeliverable.
  bool local_allowed = false;
  emitters::Level level = emitters::Level::kLossless;  // to say whether a higher level may help
};

struct RouteDecision {
  emitters::Route route = emitters::Route::kMdm;
  std::string reason;  // empty for kMdm
};

RouteDecision route_part(const emitters::Target& target, const PartFacts& part,
                         const RoutingOptions& options);

}  // namespace cmdm::pipeline
