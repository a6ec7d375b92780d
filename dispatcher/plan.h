// What `cmdm apply` has to do to make the device match a build: from the manifest, what the device
// lists and what the ledger says cmdm installed, one action per part. A pure function, so every
// rule (what is stale, what is someone else's, in which order) is tested without a device.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/device.h"
#include "dispatcher/ledger.h"
#include "emitters/manifest.h"

namespace cmdm::dispatcher {

// install: the part is not on the device; update: it is, but cmdm recorded another digest (or
// did not install it); remove: cmdm installed it and no source owns it any more; forget: the
// same, but the device no longer has it (only the ledger changes); unchanged: nothing to send;
// not_sent: the part's route for the target is not `mdm` (too large, local, refused).
enum class PlanKind { kInstall, kUpdate, kRemove, kForget, kUnchanged, kNotSent };
std::string_view plan_kind_name(PlanKind kind);  // "install", "update", ...

struct PlanAction {
  PlanKind kind = PlanKind::kUnchanged;
  std::string identifier;  // the part's PayloadIdentifier
  std::string uuid;        // the manifest part's PayloadUUID; the ledger's for remove/forget
  std::string digest;      // the manifest part's digest; the ledger's for remove/forget
  // The part and its route for the target (null for remove and forget: the build has no part).
  const emitters::Part* part = nullptr;
  const emitters::TargetRoute* route = nullptr;
  std::string reason;  // why a part is not sent, or why an installed profile is updated
  // The ledger's vendor reference of the installed part (Fleet's profile_uuid), for its update
  // or remove; empty when there is none.
  std::string vendor_ref;
};

// Installs, updates, unchanged and not-sent parts in install order (the parts' `order`), then
// removes and forgets by identifier: a removed certificate is never missing while a part that
// uses it is still being replaced. Points into `manifest`, which must outlive the plan.
struct Plan {
  std::vector<PlanAction> actions;
  std::size_t count(PlanKind kind) const;
  // Installs, updates and removes: what `apply --check` reports as pending (exit 1). A forget
  // changes only the ledger and a not-sent part cannot be changed by apply, so neither counts.
  std::size_t pending() const;
};

// Which identifiers one apply manages. With a prefix, parts of the build outside it are refused
// (check_scope) and only recorded parts under it are removed, so several callers (one Chef
// cookbook per prefix, the `profiles` front end per profile) share a device and a ledger.
struct PlanScope {
  // "" manages every identifier; otherwise the identifier itself and those below it at a dot
  // (`com.example.chef` manages `com.example.chef` and `com.example.chef.wifi`; a trailing dot,
  // `com.example.chef.`, only the latter), never `com.example.chefs`.
  std::string prefix;
  // Only the profile `prefix` and its split parts (`prefix.part-…`, the splitter's names): the
  // front end installs and removes one profile without touching its neighbours below it. In
  // ApplyOptions, an empty prefix with one_source stands for the build's only source.
  bool one_source = false;
  bool manages(std::string_view identifier) const;
};

// ExitCode::kDataError naming every part of the build outside the scope (and the scope).
Status check_scope(const emitters::Manifest& manifest, const PlanScope& scope);

// A profile on the device that cmdm did not install (no ledger row for this target) is never
// removed; when the build has a part with its identifier, it is updated (the build owns the
// identifier, and the ledger then records it).
// Only parts the scope manages are removed or forgotten.
Plan plan(const emitters::Manifest& manifest, std::string_view target,
          const std::vector<InstalledProfile>& listing,
          const std::vector<InstalledPart>& ledger_installed, const PlanScope& scope = {});

}  // namespace cmdm::dispatcher
