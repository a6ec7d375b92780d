// Runs `cmdm apply`: input, reconciliation, plan, then intent → send → confirm per change
// (dispatcher/apply.h).
#include "dispatcher/apply.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "dispatcher/plan.h"
#include "dispatcher/relay_client.h"
#include "dispatcher/sender.h"
#include "pipeline/build.h"
#include "pipeline/trust.h"
#include "plist/file_io.h"

namespace cmdm::dispatcher {
namespace {

// The build to apply: OUT itself, or a private directory a bundle was unpacked into (removed
// when the apply ends, whatever the outcome).
struct BuildDir {
  std::string out;
  std::string temp;  // "" when out is the caller's directory
  BuildDir() = default;
  BuildDir(const BuildDir&) = delete;
  BuildDir& operator=(const BuildDir&) = delete;
  ~BuildDir() {
    std::error_code ignored;
    if (!temp.empty()) std::filesystem::remove_all(temp, ignored);
  }
};

Status open_input(const ApplyOptions& options, BuildDir& dir) {
  struct stat st {};
  if (::stat(options.input.c_str(), &st) != 0) {
    return Error::make(ExitCode::kIoError, options.input,
                       "cannot read the build: no such file or directory");
  }
  if (S_ISDIR(st.st_mode)) {
    dir.out = options.input;
    if (options.anchors.empty()) return Ok{};
    return pipeline::verify_output(dir.out, options.anchors);
  }
  // mkdtemp makes the directory 0700: nobody else can swap the unpacked files before we read them.
  std::string pattern = std::filesystem::temp_directory_path().string() + "/cmdm-apply-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Error::make(ExitCode::kIoError, pattern,
                       "cannot create a private directory for the bundle");
  }
  dir.temp = pattern;
  dir.out = pattern + "/out";
  Result<emitters::WriteStats> unpacked =
      pipeline::unbundle(options.input, dir.out, {}, options.anchors);
  if (!unpacked) return unpacked.error();
  return Ok{};
}

Result<emitters::Manifest> load_manifest(const std::string& out, const std::string& target) {
  std::string path = out + "/manifest.json";
  Result<std::string> bytes = read_file(path);
  if (!bytes) return bytes.error();
  Result<emitters::Manifest> manifest = emitters::read_manifest(*bytes, path);
  if (!manifest) return manifest.error();
  const std::vector<std::string>& targets = manifest->targets;
  if (std::find(targets.begin(), targets.end(), target) == targets.end()) {
    return Error::make(ExitCode::kDataError, path,
                       "the build has no commands for target " + target +
                           " (build it with --target " + target + ")");
  }
  return manifest;
}

// True when the listing shows what the intent asked for: the profile with its UUID, or no profile
// with its identifier.
bool shows(const std::vector<InstalledProfile>& listing, IntentAction action,
           const std::string& identifier, const std::string& uuid) {
  for (const InstalledProfile& p : listing) {
    if (p.identifier != identifier) continue;
    return action == IntentAction::kInstall && p.uuid == uuid;
  }
  return action == IntentAction::kRemove;
}

// What an interrupted run left: an intent the device shows is confirmed; any other is given up
// (failed) and the plan sends it again with a fresh CommandUUID (NanoMDM and Fleet refuse a
// repeated one; installing twice leaves the device as once).
Result<std::vector<PartOutcome>> reconcile(Ledger& ledger,
                                           const std::vector<InstalledProfile>& listing) {
  Result<std::vector<Intent>> unfinished = ledger.unfinished();
  if (!unfinished) return unfinished.error();
  std::vector<PartOutcome> outcomes;
  for (const Intent& intent : *unfinished) {
    PartOutcome o{.identifier = intent.part_identifier,
                  .action = std::string(action_name(intent.action)),
                  .command_uuid = intent.command_uuid};
    Status done = Ok{};
    // Only a command the MDM accepted (sent) may be confirmed by the listing. A pending one may
    // never have left: for an update that keeps the PayloadUUID, the old profile would match and
    // the new content would be lost for good. It is planned again instead; installing twice
    // leaves the device as installing once.
    if (intent.state == IntentState::kSent &&
        shows(listing, intent.action, intent.part_identifier, intent.profile_uuid)) {
      o.result = "reconciled";
      done = ledger.mark_confirmed(intent.id);
    } else {
      o.result = "abandoned";
      o.detail = intent.state == IntentState::kPending
                     ? "an earlier apply stopped before sending it; planned again"
                     : "sent by an earlier apply but not on the device; planned again";
      done = ledger.mark_failed(intent.id, o.detail);
    }
    if (!done) return done.error();
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

class Runner {
 public:
  Runner(const ApplyOptions& options, Ledger& ledger, ProfileLister& lister, Transport& transport,
         emitters::UuidSource& uuids, std::string out)
      : options_(options),
        ledger_(ledger),
        lister_(lister),
        transport_(transport),
        uuids_(uuids),
        out_(std::move(out)) {}

  // Runs one action of the plan; an error ends the apply.
  Status run(const PlanAction& action, ApplySummary& summary);

 private:
  Result<std::vector<Outgoing>> requests_for(const PlanAction& action) const;
  Result<std::string> send_all(const std::vector<Outgoing>& requests, const PlanAction& action,
                               const std::string& command_uuid, ApplySummary& summary);
  Result<std::string> send_relay(const PlanAction& action, const std::string& key,
                                 ApplySummary& summary);
  Result<bool> confirm(IntentAction action, const std::string& identifier, const std::string& uuid);
  Status change(const PlanAction& action, PartOutcome& outcome, ApplySummary& summary);

  const ApplyOptions& options_;
  Ledger& ledger_;
  ProfileLister& lister_;
  Transport& transport_;
  emitters::UuidSource& uuids_;
  std::string out_;
};

Result<std::vector<Outgoing>> Runner::requests_for(const PlanAction& action) const {
  if (action.kind == PlanKind::kRemove) {
    return registry_remove_requests(options_.config.target, action.identifier, false);
  }
  return manifest_requests(out_, *action.route, plan_kind_name(action.kind));
}

Result<std::string> Runner::send_all(const std::vector<Outgoing>& requests,
                                     const PlanAction& action, const std::string& command_uuid,
                                     ApplySummary& summary) {
  SlotValues values{.command_uuid = command_uuid,
                    .device_id = options_.device_id,
                    .enrollment_id = options_.device_id};
  if (action.part != nullptr && action.part->scope == emitters::Scope::kUser) {
    values.enrollment_id = options_.user_enrollment_id;  // empty: the slot refuses to fill
  }
  std::string reported = command_uuid;
  for (const Outgoing& request : requests) {
    ++summary.requests;
    Result<Sent> sent = send_request(options_.config, request, values, transport_);
    if (!sent) return sent.error();
    if (reported.empty()) reported = sent->command_uuid;
  }
  return reported;
}

// The relay route: one request to the relay, which holds the vendor's credentials and sends the
// bytes of the published build itself; `key` (the intent's) makes a retry send once.
Result<std::string> Runner::send_relay(const PlanAction& action, const std::string& key,
                                       ApplySummary& summary) {
  RelayChange change{.action = std::string(plan_kind_name(action.kind)),
                     .identifier = action.identifier,
                     .digest = action.digest,
                     .idempotency_key = key};
  if (action.kind != PlanKind::kRemove) {
    Result<std::string> manifest = manifest_sha256(out_);
    if (!manifest) return manifest.error();
    change.manifest_sha256 = *manifest;
  }
  ++summary.requests;
  Result<Sent> sent = send_to_relay(options_.config, change, transport_);
  if (!sent) return sent.error();
  return sent->command_uuid;
}

// Lists the device until it shows the change, sleeping poll_interval between listings, for at
// most confirm_timeout of sleeping (counted, so a test's sleeper that returns at once still ends).
Result<bool> Runner::confirm(IntentAction action, const std::string& identifier,
                             const std::string& uuid) {
  std::chrono::milliseconds waited{0};
  for (;;) {
    Result<std::vector<InstalledProfile>> listing = lister_.list();
    if (!listing) return listing.error();
    if (shows(*listing, action, identifier, uuid)) return true;
    if (waited >= options_.confirm_timeout) return false;
    if (options_.sleep) {
      options_.sleep(options_.poll_interval);
    } else {
      std::this_thread::sleep_for(options_.poll_interval);
    }
    waited += options_.poll_interval;
  }
}

// intent → send → sent → confirmed or failed. A refusal fails the part; an unreachable MDM, the
// ledger or the device failing ends the run.
Status Runner::change(const PlanAction& action, PartOutcome& outcome, ApplySummary& summary) {
  IntentAction kind =
      action.kind == PlanKind::kRemove ? IntentAction::kRemove : IntentAction::kInstall;
  const bool relay = options_.config.route == Route::kRelay;
  Result<std::vector<Outgoing>> requests = relay ? std::vector<Outgoing>() : requests_for(action);
  if (!requests) {
    outcome.result = "failed";
    outcome.detail = requests.error().format();
    return Ok{};
  }
  // Through the relay, the intent's UUID is the idempotency key of the change.
  std::string command_uuid = relay || needs_command_uuid(*requests) ? uuids_.next() : std::string();
  Result<std::int64_t> id = ledger_.record_intent({.part_identifier = action.identifier,
                                                   .profile_uuid = action.uuid,
                                                   .digest = action.digest,
                                                   .action = kind,
                                                   .target = options_.config.target,
                                                   .command_uuid = command_uuid});
  if (!id) return id.error();
  Result<std::string> sent = relay ? send_relay(action, command_uuid, summary)
                                   : send_all(*requests, action, command_uuid, summary);
  if (!sent) {
    outcome.result = "failed";
    outcome.detail = sent.error().format();
    if (Status failed = ledger_.mark_failed(*id, outcome.detail); !failed) return failed.error();
    if (sent.error().code == ExitCode::kUnavailable) return sent.error();
    return Ok{};
  }
  outcome.command_uuid = *sent;
  if (Status marked = ledger_.mark_sent(*id); !marked) return marked.error();
  Result<bool> shown = confirm(kind, action.identifier, action.uuid);
  if (!shown) return shown.error();
  if (*shown) {
    outcome.result = "confirmed";
    return ledger_.mark_confirmed(*id);
  }
  outcome.result = "failed";
  outcome.detail = "the MDM took the command, but the device did not show the change within " +
                   std::to_string(options_.confirm_timeout.count() / 1000) + " s";
  return ledger_.mark_failed(*id, outcome.detail);
}

Status Runner::run(const PlanAction& action, ApplySummary& summary) {
  PartOutcome outcome{.identifier = action.identifier,
                      .action = std::string(plan_kind_name(action.kind)),
                      .detail = action.reason};
  Status status = Ok{};
  switch (action.kind) {
    case PlanKind::kUnchanged:
      outcome.result = "unchanged";
      ++summary.unchanged;
      break;
    case PlanKind::kNotSent:
      outcome.result = "not sent";
      ++summary.not_sent;
      break;
    case PlanKind::kForget:
      outcome.result = "forgotten";
      status = ledger_.forget_installed(action.identifier, options_.config.target);
      break;
    default:
      outcome.detail.clear();
      status = change(action, outcome, summary);
      if (outcome.result == "failed") ++summary.failed;
      if (outcome.result == "confirmed") {
        ++(action.kind == PlanKind::kInstall  ? summary.installed
           : action.kind == PlanKind::kUpdate ? summary.updated
                                              : summary.removed);
      }
  }
  summary.parts.push_back(std::move(outcome));
  return status;
}

// --dry-run: the plan as the summary, each part "planned", counted as if it went through.
void report_plan(const Plan& planned, ApplySummary& summary) {
  summary.dry_run = true;
  summary.installed = planned.count(PlanKind::kInstall);
  summary.updated = planned.count(PlanKind::kUpdate);
  summary.removed = planned.count(PlanKind::kRemove);
  summary.unchanged = planned.count(PlanKind::kUnchanged);
  summary.not_sent = planned.count(PlanKind::kNotSent);
  for (const PlanAction& action : planned.actions) {
    summary.parts.push_back({.identifier = action.identifier,
                             .action = std::string(plan_kind_name(action.kind)),
                             .result = "planned",
                             .detail = action.reason});
  }
}

}  // namespace

Result<ApplySummary> apply(const ApplyOptions& options, Ledger& ledger, ProfileLister& lister,
                           Transport& transport, emitters::UuidSource& uuids) {
  BuildDir dir;
  if (Status opened = open_input(options, dir); !opened) return opened.error();
  Result<emitters::Manifest> manifest = load_manifest(dir.out, options.config.target);
  if (!manifest) return manifest.error();
  Result<std::vector<InstalledProfile>> listing = lister.list();
  if (!listing) return listing.error();
  ApplySummary summary;
  if (!options.dry_run) {
    Result<std::vector<PartOutcome>> reconciled = reconcile(ledger, *listing);
    if (!reconciled) return reconciled.error();
    summary.parts = std::move(*reconciled);
  }
  Result<std::vector<InstalledPart>> installed = ledger.installed();
  if (!installed) return installed.error();
  Plan planned = plan(*manifest, options.config.target, *listing, *installed);
  if (options.dry_run) {
    report_plan(planned, summary);
    return summary;
  }
  Runner runner(options, ledger, lister, transport, uuids, dir.out);
  for (const PlanAction& action : planned.actions) {
    if (Status ran = runner.run(action, summary); !ran) return ran.error();
  }
  return summary;
}

}  // namespace cmdm::dispatcher
