// `cmdm apply`: makes the profiles installed on this device match a build, through the MDM's API,
// crash-safe. Reads OUT (or unpacks a bundle), reconciles what an interrupted apply left in the
// ledger, plans (dispatcher/plan.h), and for each change writes the intent, sends the command,
// and confirms it by listing the device again (docs/dispatcher.md "Apply").
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/config.h"
#include "dispatcher/device.h"
#include "dispatcher/ledger.h"
#include "dispatcher/plan.h"
#include "dispatcher/transport.h"
#include "emitters/targets.h"
#include "pipeline/build.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

struct ApplyOptions {
  std::string input;  // an OUT directory of `cmdm build`, or a bundle file
  // Or profile sources (files or directories, as `cmdm build` takes them), compiled here with
  // `build` (its context holding the device's facts: device_context) into a private 0700
  // directory for the configured target, then applied as that build.
  std::vector<std::string> sources;
  pipeline::BuildOptions build;
  // What this apply manages (--prefix): parts outside are refused, only stale parts inside are
  // removed.
  PlanScope scope;
  // CA certificates (their PEM or DER bytes) the build must be signed by (--ca).
  std::vector<std::string> anchors;
  DispatcherConfig config;           // target, server, credentials
  std::string device_id;             // what the vendor knows the device by (UDID or serial)
  bool device_id_is_serial = false;  // device_id is the serial number (Workspace ONE searches so)
  // The device's facts, asked for on first need: the console user (a User part through NanoMDM
  // takes the enrollment id config.nanomdm_user_enrollment_ids gives for them) and the macOS
  // version (whether a `local` part can be installed). Null: unknown, those parts fail or are
  // not sent.
  std::function<Result<DeviceFacts>()> facts;
  // Installs `local`-routed parts where macOS still allows it (before 11); null: never.
  LocalInstaller* installer = nullptr;
  bool dry_run = false;  // plan only: nothing is sent and the ledger is not written
  // How a change is confirmed: list the device every poll_interval until it shows the change or
  // confirm_timeout has been waited.
  std::chrono::milliseconds poll_interval{2'000};
  std::chrono::milliseconds confirm_timeout{120'000};
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
  // Called before each action of the plan: (actions done, actions planned, part identifier).
  std::function<void(std::size_t, std::size_t, const std::string&)> progress;
};

// What became of one part (or of one unfinished intent from an earlier run).
struct PartOutcome {
  std::string identifier;
  std::string action;  // plan_kind_name: "install", "update", "remove", "forget", "unchanged", …
  // "confirmed", "failed", "unchanged", "not sent", "planned" (dry run), "forgotten",
  // "reconciled" (an earlier run's intent confirmed), "abandoned" (one replanned)
  std::string result;
  std::string detail;        // why it failed or is not sent
  std::string command_uuid;  // of the command sent, when known
};

struct ApplySummary {
  std::size_t installed = 0, updated = 0, removed = 0, unchanged = 0, failed = 0, not_sent = 0;
  std::size_t requests = 0;        // HTTP requests sent to the MDM
  bool dry_run = false;            // the counts are what the plan would do; nothing was sent
  std::vector<PartOutcome> parts;  // unfinished intents first, then the plan's order
  bool ok() const { return failed == 0; }
};

// The template context of an apply from sources: the device's facts under `facts.`, then
// `given` (--vars, --facts, --var) on top, key by key, so the command line still wins.
compiler::Context device_context(const DeviceFacts& facts, compiler::Context given);

// Runs one apply. Errors end the run: the input or its signature is bad (kDataError,
// kCheckFailed), the MDM stays unreachable (kUnavailable: the intent is marked failed and the next
// apply sends it again with a fresh CommandUUID), the ledger or the device cannot be read. A
// part the vendor refuses or the device never shows is a failed outcome, and the run goes on.
Result<ApplySummary> apply(const ApplyOptions& options, Ledger& ledger, ProfileLister& lister,
                           Transport& transport, emitters::UuidSource& uuids);

}  // namespace cmdm::dispatcher
