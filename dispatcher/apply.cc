// Runs `cmdm apply`: input, reconciliation, plan, then intent → send → confirm per change
// (dispatcher/apply.h).
#include "dispatcher/apply.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <thread>

#include "dispatcher/fleet_profiles.h"
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

// mkdtemp makes the directory 0700: nobody else can swap the files in it before we read them.
Result<std::string> private_directory() {
  std::string pattern = std::filesystem::temp_directory_path().string() + "/cmdm-apply-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Error::make(ExitCode::kIoError, pattern, "cannot create a private directory");
  }
  return pattern;
}

// Sources compiled on the device: a build for the configured target only, into the private
// directory.
Status compile_sources(const ApplyOptions& options, BuildDir& dir) {
  Result<std::string> temp = private_directory();
  if (!temp) return temp.error();
  dir.temp = *temp;
  dir.out = *temp + "/out";
  pipeline::BuildOptions build = options.build;
  Result<const emitters::Target*> target = emitters::find_target(options.config.target);
  if (!target) return target.error();
  build.targets = {*target};
  Result<pipeline::BuildRun> run = pipeline::run_build(options.sources, dir.out, false, build);
  if (!run) return run.error();
  return Ok{};
}

Status open_input(const ApplyOptions& options, BuildDir& dir) {
  if (!options.sources.empty()) return compile_sources(options, dir);
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

// What the listing must show once a change is made.
struct Expected {
  IntentAction action = IntentAction::kInstall;
  std::string identifier;
  std::string uuid;
  // An update: the install date of the profile it replaces (0: none). `profiles` lists no digest
  // of the content, and an update may keep the PayloadUUID, so only a new ProfileInstallDate
  // proves the new content was installed (macOS sets it on every install).
  std::int64_t replaces_install_date = 0;
};

// True when the listing shows the change: the profile with its UUID (and, for an update, another
// install date), or no profile with its identifier.
bool shows(const std::vector<InstalledProfile>& listing, const Expected& expected) {
  for (const InstalledProfile& p : listing) {
    if (p.identifier != expected.identifier) continue;
    if (expected.action != IntentAction::kInstall || p.uuid != expected.uuid) return false;
    return expected.replaces_install_date == 0 || !p.install_date ||
           *p.install_date != expected.replaces_install_date;
  }
  return expected.action == IntentAction::kRemove;
}

Expected expected_of(const Intent& intent) {
  return {.action = intent.action,
          .identifier = intent.part_identifier,
          .uuid = intent.profile_uuid,
          .replaces_install_date = intent.replaces_install_date};
}

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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
    if (intent.state == IntentState::kSent && shows(listing, expected_of(intent))) {
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

// The run's token source when the credentials are OAuth2 client credentials; its cache file lives
// beside the ledger, in the ledger's private directory.
std::unique_ptr<OAuthTokens> oauth_tokens(const DispatcherConfig& config) {
  if (!config.workspace_one || !config.workspace_one->uses_oauth()) return nullptr;
  const WorkspaceOneCredentials& c = *config.workspace_one;
  return std::make_unique<OAuthTokens>(OAuthClient{.client_id = c.client_id,
                                                   .client_secret = c.client_secret,
                                                   .token_url = c.token_url,
                                                   .config_section = "WorkspaceONE"},
                                       token_cache_path(config.ledger_path));
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
        out_(std::move(out)),
        tokens_(oauth_tokens(options.config)) {}

  // Runs one action of the plan; an error ends the apply.
  Status run(const PlanAction& action, ApplySummary& summary);
  // What the ledger recorded before the run (for local parts, which the plan does not decide).
  std::vector<InstalledPart> recorded;

 private:
  Result<DeviceFacts> facts();
  Result<std::string> user_enrollment_id();
  Result<bool> may_install_locally(std::string& why_not);
  Status run_local(const PlanAction& action, PartOutcome& outcome, ApplySummary& summary);
  Status install_locally(const PlanAction& action, bool update, PartOutcome& outcome);
  Result<std::vector<Outgoing>> requests_for(const PlanAction& action) const;
  Result<Sent> send_all(const std::vector<Outgoing>& requests, const PlanAction& action,
                        const std::string& command_uuid, ApplySummary& summary);
  Result<Sent> send_relay(const PlanAction& action, const std::string& key, ApplySummary& summary);
  Result<bool> confirm(const Expected& expected);
  Result<std::int64_t> install_date_to_replace(const std::string& identifier);
  void sleep(std::chrono::milliseconds duration) const;
  Status change(const PlanAction& action, PartOutcome& outcome, ApplySummary& summary);

  const ApplyOptions& options_;
  Ledger& ledger_;
  ProfileLister& lister_;
  Transport& transport_;
  emitters::UuidSource& uuids_;
  std::string out_;
  std::unique_ptr<OAuthTokens> tokens_;       // Workspace ONE OAuth2; null for other credentials
  std::optional<Result<DeviceFacts>> facts_;  // read once, on first need
};

Result<DeviceFacts> Runner::facts() {
  if (!facts_) {
    facts_ = options_.facts ? options_.facts()
                            : Result<DeviceFacts>(Error::make(ExitCode::kUsage, "",
                                                              "the device's facts are not known"));
  }
  return *facts_;
}

// NanoMDM addresses a user's channel by its own enrollment id: the one the configuration gives
// for the user at the console (UserEnrollmentIDs).
Result<std::string> Runner::user_enrollment_id() {
  const auto& ids = options_.config.nanomdm_user_enrollment_ids;
  if (ids.empty()) {
    return Error::make(ExitCode::kUsage, "",
                       "a User part needs the user channel's enrollment id; set NanoMDM "
                       "UserEnrollmentIDs (short user name to enrollment id)");
  }
  Result<DeviceFacts> known = facts();
  if (!known) return known.error();
  if (known->console_user.empty()) {
    return Error::make(ExitCode::kUsage, "",
                       "nobody is logged in at the console: a User part waits for a user");
  }
  auto it = ids.find(known->console_user);
  if (it == ids.end()) {
    return Error::make(ExitCode::kUsage, "",
                       "NanoMDM UserEnrollmentIDs has no enrollment id for the console user " +
                           vendor_text(known->console_user, 64));
  }
  return it->second;
}

Result<std::vector<Outgoing>> Runner::requests_for(const PlanAction& action) const {
  if (action.kind == PlanKind::kRemove) {
    return registry_remove_requests(options_.config.target, action.identifier, false);
  }
  return manifest_requests(out_, *action.route, plan_kind_name(action.kind));
}

Result<Sent> Runner::send_all(const std::vector<Outgoing>& requests, const PlanAction& action,
                              const std::string& command_uuid, ApplySummary& summary) {
  SlotValues values{.command_uuid = command_uuid,
                    .device_id = options_.device_id,
                    .device_id_is_serial = options_.device_id_is_serial,
                    .enrollment_id = options_.device_id,
                    .fleet_profile_uuid = action.vendor_ref};
  if (action.part != nullptr && action.part->scope == emitters::Scope::kUser) {
    const bool needed = std::any_of(requests.begin(), requests.end(), [](const Outgoing& r) {
      return std::any_of(r.slots.begin(), r.slots.end(),
                         [](const emitters::RequestSlot& s) { return s.name == "enrollment_id"; });
    });
    values.enrollment_id.clear();  // never the device channel for a User part
    if (needed) {
      Result<std::string> id = user_enrollment_id();
      if (!id) return id.error();
      values.enrollment_id = *id;
    }
  }
  if (options_.config.target == "fleet-profiles") {
    return send_fleet_profile_change(options_.config, requests, values, action.identifier,
                                     transport_, summary.requests);
  }
  Sent reported{.command_uuid = command_uuid};
  for (const Outgoing& request : requests) {
    ++summary.requests;
    Result<Sent> sent = send_request(options_.config, request, values, transport_, tokens_.get());
    if (!sent) return sent.error();
    if (reported.command_uuid.empty()) reported.command_uuid = sent->command_uuid;
  }
  return reported;
}

// The relay route: one request to the relay, which holds the vendor's credentials and sends the
// bytes of the published build itself; `key` (the intent's) makes a retry send once.
Result<Sent> Runner::send_relay(const PlanAction& action, const std::string& key,
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
  return send_to_relay(options_.config, change, transport_);
}

// Lists the device until it shows the change, sleeping poll_interval between listings, for at
// most confirm_timeout of sleeping (counted, so a test's sleeper that returns at once still ends).
Result<bool> Runner::confirm(const Expected& expected) {
  std::chrono::milliseconds waited{0};
  for (;;) {
    Result<std::vector<InstalledProfile>> listing = lister_.list();
    if (!listing) return listing.error();
    if (shows(*listing, expected)) return true;
    if (waited >= options_.confirm_timeout) return false;
    sleep(options_.poll_interval);
    waited += options_.poll_interval;
  }
}

void Runner::sleep(std::chrono::milliseconds duration) const {
  if (options_.sleep) {
    options_.sleep(duration);
  } else {
    std::this_thread::sleep_for(duration);
  }
}

// The install date of the profile an update replaces (0 when the listing shows none). Dates have
// whole seconds: when it is this very second, the update waits for the next one, so that the new
// install cannot carry the same date.
Result<std::int64_t> Runner::install_date_to_replace(const std::string& identifier) {
  Result<std::vector<InstalledProfile>> listing = lister_.list();
  if (!listing) return listing.error();
  std::int64_t date = 0;
  for (const InstalledProfile& p : *listing) {
    if (p.identifier == identifier && p.install_date) date = *p.install_date;
  }
  for (int i = 0; date != 0 && unix_seconds() == date && i < 20; ++i) {
    sleep(std::chrono::milliseconds(100));
  }
  return date;
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
  Expected expected{.action = kind, .identifier = action.identifier, .uuid = action.uuid};
  if (action.kind == PlanKind::kUpdate) {
    Result<std::int64_t> replaced = install_date_to_replace(action.identifier);
    if (!replaced) return replaced.error();
    expected.replaces_install_date = *replaced;
  }
  Result<std::int64_t> id =
      ledger_.record_intent({.part_identifier = action.identifier,
                             .profile_uuid = action.uuid,
                             .digest = action.digest,
                             .action = kind,
                             .target = options_.config.target,
                             .command_uuid = command_uuid,
                             .replaces_install_date = expected.replaces_install_date});
  if (!id) return id.error();
  Result<Sent> sent = relay ? send_relay(action, command_uuid, summary)
                            : send_all(*requests, action, command_uuid, summary);
  if (!sent) {
    outcome.result = "failed";
    outcome.detail = sent.error().format();
    if (Status failed = ledger_.mark_failed(*id, outcome.detail); !failed) return failed.error();
    // Unreachable, or the credentials refused: every further part would fare the same.
    ExitCode code = sent.error().code;
    if (code == ExitCode::kUnavailable || code == ExitCode::kNoPermission) return sent.error();
    return Ok{};
  }
  outcome.command_uuid = sent->command_uuid;
  // Synced before `sent`: an update or remove after a crash must know what the vendor stored.
  if (!sent->vendor_ref.empty()) {
    if (Status kept = ledger_.record_vendor_ref(*id, sent->vendor_ref); !kept) return kept.error();
  }
  if (Status marked = ledger_.mark_sent(*id); !marked) return marked.error();
  Result<bool> shown = confirm(expected);
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
      if (action.route != nullptr && action.route->route == emitters::Route::kLocal) {
        status = run_local(action, outcome, summary);
        break;
      }
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

// Before macOS 11 `profiles install -path` installs a profile; since 11 it refuses (Apple:
// "profiles tool no longer supports installs. Use System Settings Profiles to add configuration
// profiles").
Result<bool> Runner::may_install_locally(std::string& why_not) {
  if (options_.installer == nullptr) {
    why_not = "this apply has no local installer";
    return false;
  }
  Result<DeviceFacts> known = facts();
  if (!known) return known.error();
  int major = std::atoi(known->os_version.c_str());
  if (major == 0) {
    why_not = "the macOS version is unknown (\"" + vendor_text(known->os_version, 32) + "\")";
    return false;
  }
  if (major >= 11) {
    why_not = "macOS " + known->os_version +
              " does not install profiles from the command line (since macOS 11 `profiles "
              "install` is refused: install it in System Settings, or send it through an MDM)";
    return false;
  }
  return true;
}

// A part the build routes `local`: installed with `profiles install -path` where macOS allows it,
// as an install or update would be (intent, install, confirm by listing); otherwise not sent.
Status Runner::run_local(const PlanAction& action, PartOutcome& outcome, ApplySummary& summary) {
  std::string why_not;
  Result<bool> allowed = may_install_locally(why_not);
  if (!allowed) return allowed.error();
  if (!*allowed) {
    outcome.result = "not sent";
    outcome.detail = action.reason.empty() ? why_not : action.reason + "; " + why_not;
    ++summary.not_sent;
    return Ok{};
  }
  auto record = std::find_if(recorded.begin(), recorded.end(), [&](const InstalledPart& p) {
    return p.part_identifier == action.identifier && p.target == options_.config.target;
  });
  Result<std::vector<InstalledProfile>> listing = lister_.list();
  if (!listing) return listing.error();
  const bool shown = shows(*listing, {.identifier = action.identifier, .uuid = action.uuid});
  if (shown && record != recorded.end() && record->digest == action.digest) {
    outcome.action = "unchanged";
    outcome.result = "unchanged";
    outcome.detail.clear();
    ++summary.unchanged;
    return Ok{};
  }
  const bool update = shown || record != recorded.end();
  outcome.action = update ? "update" : "install";
  outcome.detail.clear();
  Status done = install_locally(action, update, outcome);
  if (outcome.result == "failed") ++summary.failed;
  if (outcome.result == "confirmed") ++(update ? summary.updated : summary.installed);
  return done;
}

Status Runner::install_locally(const PlanAction& action, bool update, PartOutcome& outcome) {
  Expected expected{.identifier = action.identifier, .uuid = action.uuid};
  if (update) {
    Result<std::int64_t> replaced = install_date_to_replace(action.identifier);
    if (!replaced) return replaced.error();
    expected.replaces_install_date = *replaced;
  }
  Result<std::int64_t> id =
      ledger_.record_intent({.part_identifier = action.identifier,
                             .profile_uuid = action.uuid,
                             .digest = action.digest,
                             .action = IntentAction::kInstall,
                             .target = options_.config.target,
                             .replaces_install_date = expected.replaces_install_date});
  if (!id) return id.error();
  if (Status installed = options_.installer->install(out_ + "/" + action.part->profile);
      !installed) {
    outcome.result = "failed";
    outcome.detail = installed.error().format();
    return ledger_.mark_failed(*id, outcome.detail);
  }
  if (Status marked = ledger_.mark_sent(*id); !marked) return marked.error();
  Result<bool> shown = confirm(expected);
  if (!shown) return shown.error();
  outcome.result = *shown ? "confirmed" : "failed";
  if (*shown) return ledger_.mark_confirmed(*id);
  outcome.detail = "profiles install succeeded, but the listing does not show the profile";
  return ledger_.mark_failed(*id, outcome.detail);
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

// The manifest to apply. Neither input nor sources is the empty desired state: every part in
// scope is stale (the front end's remove).
Result<emitters::Manifest> desired_state(const ApplyOptions& options, BuildDir& dir) {
  if (options.input.empty() && options.sources.empty()) {
    emitters::Manifest empty;
    empty.targets = {options.config.target};
    return empty;
  }
  if (Status opened = open_input(options, dir); !opened) return opened.error();
  return load_manifest(dir.out, options.config.target);
}

// A one-source scope without a prefix is the build's only source.
PlanScope scope_of(PlanScope scope, const emitters::Manifest& manifest) {
  if (scope.one_source && scope.prefix.empty() && manifest.sources.size() == 1) {
    scope.prefix = manifest.sources.front().identifier;
  }
  return scope;
}

// Which source each part came from, for the `profiles` front end's listing (ledger version 3).
Status record_sources(const emitters::Manifest& manifest, const std::string& target,
                      Ledger& ledger) {
  std::vector<SourceRecord> records;
  for (const emitters::SourceEntry& source : manifest.sources) {
    SourceRecord record{.identifier = source.identifier,
                        .target = target,
                        .uuid = source.uuid,
                        .display_name = source.display_name};
    for (const emitters::Part& part : source.parts) record.parts.push_back(part.identifier);
    records.push_back(std::move(record));
  }
  return ledger.record_sources(records);
}

}  // namespace

compiler::Context device_context(const DeviceFacts& facts, compiler::Context given) {
  compiler::Context context;
  const std::pair<const char*, const std::string*> named[] = {
      {"os_version", &facts.os_version},
      {"build", &facts.build},
      {"serial_number", &facts.serial_number},
      {"udid", &facts.udid},
      {"model", &facts.model},
      {"hostname", &facts.hostname},
      {"computer_name", &facts.computer_name},
      {"console_user", &facts.console_user},
      {"arch", &facts.arch}};
  for (const auto& [name, value] : named) {
    context.set(std::string("facts.") + name, plist::Value(*value));
  }
  for (plist::DictEntry& entry : given.values.entries()) {
    plist::Value* facts_given = entry.key == "facts" ? &entry.value : nullptr;
    if (facts_given != nullptr && facts_given->is_dict()) {
      for (plist::DictEntry& fact : facts_given->as_dict().entries()) {
        context.set("facts." + fact.key, std::move(fact.value));
      }
      continue;
    }
    context.values.set(entry.key, std::move(entry.value));
  }
  return context;
}

Result<ApplySummary> apply(const ApplyOptions& options, Ledger& ledger, ProfileLister& lister,
                           Transport& transport, emitters::UuidSource& uuids) {
  BuildDir dir;
  Result<emitters::Manifest> manifest = desired_state(options, dir);
  if (!manifest) return manifest.error();
  const PlanScope scope = scope_of(options.scope, *manifest);
  if (scope.one_source && scope.prefix.empty()) {
    return Error::make(
        ExitCode::kUsage, "",
        "one profile to apply was expected, not " + std::to_string(manifest->sources.size()));
  }
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
  if (Status scoped = check_scope(*manifest, scope); !scoped) return scoped.error();
  Plan planned = plan(*manifest, options.config.target, *listing, *installed, scope);
  if (options.dry_run) {
    report_plan(planned, summary);
    return summary;
  }
  Runner runner(options, ledger, lister, transport, uuids, dir.out);
  runner.recorded = *installed;
  for (std::size_t i = 0; i < planned.actions.size(); ++i) {
    const PlanAction& action = planned.actions[i];
    if (options.progress) options.progress(i, planned.actions.size(), action.identifier);
    if (Status ran = runner.run(action, summary); !ran) return ran.error();
  }
  if (Status recorded = record_sources(*manifest, options.config.target, ledger); !recorded) {
    return recorded.error();
  }
  return summary;
}

}  // namespace cmdm::dispatcher
