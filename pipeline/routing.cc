// The routing rule of DESIGN.md "Splitting" and "Targets": a part goes through the MDM when the
// target takes its form and it fits the limit; a part that cannot fit even alone goes local only
// where unattended local install still works (macOS 10.15 and older, or --allow-local) and never
// when it holds a payload type only an MDM may install.
#include "pipeline/routing.h"

namespace cmdm::pipeline {

namespace {

using emitters::Level;
using emitters::Route;

std::string never_locally(const std::string& mdm_only) {
  return mdm_only + " is installed only through an MDM, never locally";
}

// A part over the limit: the sizes, then the way out.
RouteDecision too_large(const emitters::Target& t, const PartFacts& part,
                        const RoutingOptions& options) {
  const bool top_level = options.level == Level::kAggressive;
  std::string why = "does not fit " + std::string(t.name) +
                    " even alone: " + std::to_string(part.size) + " " +
                    std::string(t.limit_counts) + " > limit " + std::to_string(options.limit);
  if (!part.mdm_only.empty()) {
    return {Route::kUndeliverable,
            why + ", and " + never_locally(part.mdm_only) + (top_level ? "" : "; raise --level")};
  }
  const std::string raise = top_level ? "" : " or raise --level";
  if (options.local_allowed) {
    return {Route::kLocal, why + "; install it locally (profiles/)" + raise};
  }
  return {Route::kUndeliverable,
          why +
              ", and since macOS 11 a profile installed locally needs a person's approval; "
              "use --allow-local (install it by hand) or --os macOS:10.15 (older Macs)" +
              raise};
}

}  // namespace

RouteDecision route_part(const emitters::Target& t, const PartFacts& part,
                         const RoutingOptions& options) {
  if (!t.is_mdm) {
    if (!part.mdm_only.empty()) return {Route::kUndeliverable, never_locally(part.mdm_only)};
    return {Route::kLocal, ""};
  }
  if (!part.refusal.empty()) return {Route::kUndeliverable, part.refusal};
  if (part.is_signed && !t.accepts_signed) {
    return {Route::kUndeliverable, std::string(t.name) +
                                       " refuses signed profiles (it signs what it deploys); "
                                       "build this target without --sign"};
  }
  if (part.format == emitters::Format::kBinary && !t.accepts_binary) {
    return {Route::kUndeliverable,
            std::string(t.name) + " cannot carry a binary profile; use a lower --level"};
  }
  if (options.limit != 0 && part.size > options.limit) return too_large(t, part, options);
  return {Route::kMdm, ""};
}

}  // namespace cmdm::pipeline
