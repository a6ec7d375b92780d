// Plans an apply: compares the build's parts with the device's listing and the ledger's record
// of what cmdm installed (dispatcher/plan.h).
#include "dispatcher/plan.h"

#include <algorithm>
#include <map>
#include <set>

namespace cmdm::dispatcher {
namespace {

const emitters::TargetRoute* route_for(const emitters::Part& part, std::string_view target) {
  for (const emitters::TargetRoute& route : part.routes) {
    if (route.target == target) return &route;
  }
  return nullptr;
}

// The part's action when the build routes it: compare device and ledger.
PlanAction part_action(const emitters::Part& part, const emitters::TargetRoute* route,
                       std::string_view target, const std::set<std::string>& on_device,
                       const std::map<std::string, const InstalledPart*>& recorded) {
  PlanAction action{.identifier = part.identifier,
                    .uuid = part.uuid,
                    .digest = part.digest,
                    .part = &part,
                    .route = route};
  if (route == nullptr) {
    action.kind = PlanKind::kNotSent;
    action.reason = "the build has no route for target " + std::string(target);
    return action;
  }
  if (route->route != emitters::Route::kMdm) {
    action.kind = PlanKind::kNotSent;
    action.reason = route->reason;
    return action;
  }
  auto record = recorded.find(part.identifier);
  if (record != recorded.end()) action.vendor_ref = record->second->vendor_ref;
  if (!on_device.contains(part.identifier)) {
    action.kind = PlanKind::kInstall;
  } else if (record == recorded.end()) {
    action.kind = PlanKind::kUpdate;
    action.reason = "installed, but not by cmdm: reinstalled so the ledger records it";
  } else if (record->second->digest != part.digest) {
    action.kind = PlanKind::kUpdate;
    action.reason = "the part's content changed";
  } else {
    action.kind = PlanKind::kUnchanged;
  }
  return action;
}

std::vector<const emitters::Part*> parts_in_order(const emitters::Manifest& manifest) {
  std::vector<const emitters::Part*> parts;
  for (const emitters::SourceEntry& source : manifest.sources) {
    for (const emitters::Part& part : source.parts) parts.push_back(&part);
  }
  std::stable_sort(
      parts.begin(), parts.end(),
      [](const emitters::Part* a, const emitters::Part* b) { return a->order < b->order; });
  return parts;
}

// What cmdm installed for this target and no source owns any more.
std::vector<PlanAction> stale_actions(const emitters::Manifest& manifest,
                                      const std::set<std::string>& on_device,
                                      const std::map<std::string, const InstalledPart*>& recorded,
                                      const PlanScope& scope) {
  std::set<std::string> owned;
  for (const emitters::SourceEntry& source : manifest.sources) {
    owned.insert(source.owns.begin(), source.owns.end());
  }
  std::vector<PlanAction> actions;
  for (const auto& [identifier, record] : recorded) {  // std::map: by identifier
    if (owned.contains(identifier) || !scope.manages(identifier)) continue;
    actions.push_back(
        {.kind = on_device.contains(identifier) ? PlanKind::kRemove : PlanKind::kForget,
         .identifier = identifier,
         .uuid = record->profile_uuid,
         .digest = record->digest,
         .reason = "no source of the build owns it any more",
         .vendor_ref = record->vendor_ref});
  }
  return actions;
}

}  // namespace

std::string_view plan_kind_name(PlanKind kind) {
  switch (kind) {
    case PlanKind::kInstall:
      return "install";
    case PlanKind::kUpdate:
      return "update";
    case PlanKind::kRemove:
      return "remove";
    case PlanKind::kForget:
      return "forget";
    case PlanKind::kUnchanged:
      return "unchanged";
    case PlanKind::kNotSent:
      return "not sent";
  }
  return "?";
}

std::size_t Plan::count(PlanKind kind) const {
  return static_cast<std::size_t>(std::count_if(
      actions.begin(), actions.end(), [kind](const PlanAction& a) { return a.kind == kind; }));
}

std::size_t Plan::pending() const {
  return count(PlanKind::kInstall) + count(PlanKind::kUpdate) + count(PlanKind::kRemove);
}

bool PlanScope::manages(std::string_view identifier) const {
  if (prefix.empty()) return true;
  if (!identifier.starts_with(prefix)) return false;
  std::string_view rest = identifier.substr(prefix.size());
  if (one_source) return rest.empty() || rest.starts_with(".part-");
  return rest.empty() || prefix.back() == '.' || rest.front() == '.';
}

Status check_scope(const emitters::Manifest& manifest, const PlanScope& scope) {
  std::vector<Diagnostic> outside;
  for (const emitters::SourceEntry& source : manifest.sources) {
    for (const emitters::Part& part : source.parts) {
      if (scope.manages(part.identifier)) continue;
      outside.push_back(Diagnostic{.file = source.path,
                                   .message = "the profile " + part.identifier +
                                              " is outside --prefix " + scope.prefix +
                                              "; this apply manages only identifiers under it"});
    }
  }
  if (outside.empty()) return Ok{};
  return Error(ExitCode::kDataError, std::move(outside));
}

Plan plan(const emitters::Manifest& manifest, std::string_view target,
          const std::vector<InstalledProfile>& listing,
          const std::vector<InstalledPart>& ledger_installed, const PlanScope& scope) {
  std::set<std::string> on_device;
  for (const InstalledProfile& profile : listing) on_device.insert(profile.identifier);
  // Only this target's rows: a part installed through another target is that target's business.
  std::map<std::string, const InstalledPart*> recorded;
  for (const InstalledPart& part : ledger_installed) {
    if (part.target == target) recorded[part.part_identifier] = &part;
  }
  Plan result;
  for (const emitters::Part* part : parts_in_order(manifest)) {
    result.actions.push_back(
        part_action(*part, route_for(*part, target), target, on_device, recorded));
  }
  for (PlanAction& stale : stale_actions(manifest, on_device, recorded, scope)) {
    result.actions.push_back(std::move(stale));
  }
  return result;
}

}  // namespace cmdm::dispatcher
