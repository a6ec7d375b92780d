// The ledger: the device's durable record of what `cmdm apply` asked for and what happened, so a
// crash, a kill or a retry never loses or duplicates a change. An intent is written (and synced)
// before each command is sent and updated after; on start, unfinished intents are reconciled
// against the listing. It also records what cmdm installed, so apply never removes a profile it
// did not install. SQLite in WAL mode, behind this header (docs/dispatcher.md "Ledger").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

enum class IntentAction { kInstall, kRemove };
// pending: written, not yet sent; sent: the MDM accepted the command; confirmed: the listing shows
// the change; failed: it will not happen (refused, or reconciliation found it did not).
enum class IntentState { kPending, kSent, kConfirmed, kFailed };
std::string_view action_name(IntentAction action);  // "install", "remove"
std::string_view state_name(IntentState state);     // "pending", "sent", "confirmed", "failed"

// What apply is about to do, written before it does it.
struct NewIntent {
  std::string part_identifier;  // the profile's PayloadIdentifier
  std::string profile_uuid;     // the profile's PayloadUUID
  std::string digest;           // the part's digest from the manifest
  IntentAction action = IntentAction::kInstall;
  std::string target;        // the vendor target or route the command goes through
  std::string command_uuid;  // the MDM command's UUID, chosen before sending so a retry reuses it
  // The vendor's own reference to what was installed (Fleet's profile_uuid), once it answered;
  // the handle a later update or remove needs. Empty for vendors that key profiles by identifier.
  std::string vendor_ref;
  // For an install that replaces a profile (an update): the ProfileInstallDate the listing showed
  // for it before the command was sent, Unix seconds; 0 when there was none. The listing proves
  // the update only once it shows another date (docs/dispatcher.md "What proves a change").
  std::int64_t replaces_install_date = 0;
};

struct Intent : NewIntent {
  std::int64_t id = 0;
  IntentState state = IntentState::kPending;
  std::string detail;  // why it failed; empty otherwise
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;  // Unix seconds
};

// A profile cmdm installed (an install intent that was confirmed and not removed since).
struct InstalledPart {
  std::string part_identifier;
  std::string target;
  std::string profile_uuid;
  std::string digest;
  std::int64_t installed_at = 0;
  std::string vendor_ref;  // from the install intent (Fleet's profile_uuid); may be empty
};

// A profile source as the caller wrote it, and the parts it became (version 3): the `profiles`
// front end lists those parts as this one profile, with the identifier and UUID of its file.
struct SourceRecord {
  std::string identifier;  // the source profile's PayloadIdentifier
  std::string target;
  std::string uuid;  // the source profile's PayloadUUID
  std::string display_name;
  std::vector<std::string> parts;  // its parts' identifiers, in the build's order
  // When every part was first installed (Unix seconds), 0 until then. It never changes after,
  // whatever updates follow, so a caller that remembers the install date sees the same one.
  std::int64_t installed_at = 0;
};

// One step of the schema: the SQL that takes the ledger from version - 1 to version.
struct Migration {
  int version = 0;
  std::string description;
  std::string sql;
};
// The steps of this build's schema, oldest first.
const std::vector<Migration>& ledger_migrations();

struct LedgerOptions {
  // How long open() waits for another apply to release the ledger.
  std::chrono::milliseconds lock_timeout{30'000};
  // Seconds since the Unix epoch; replaced in tests.
  std::function<std::int64_t()> now;
  // The schema steps to apply; ledger_migrations() when empty (tests pass their own).
  std::vector<Migration> migrations;
};

class Ledger {
 public:
  // Opens (creating when missing) the ledger at `path` and brings its schema up to date. Holds
  // `path`.lock for as long as the Ledger lives: one apply at a time per ledger; another waits up
  // to lock_timeout, then fails (ExitCode::kUnavailable). The file is created 0600; its directory
  // is created 0700 when missing, and must be a real directory (not a symbolic link) owned by
  // this user or root and not writable by others. A ledger written by a newer schema is refused.
  static Result<std::unique_ptr<Ledger>> open(const std::string& path, LedgerOptions options = {});
  virtual ~Ledger() = default;

  // Records an intent as pending and syncs it to disk before returning its id.
  virtual Result<std::int64_t> record_intent(const NewIntent& intent) = 0;
  // pending → sent.
  virtual Status mark_sent(std::int64_t id) = 0;
  // pending or sent → confirmed; in the same transaction an install becomes an InstalledPart
  // and a remove deletes it.
  virtual Status mark_confirmed(std::int64_t id) = 0;
  // pending or sent → failed, with the reason.
  virtual Status mark_failed(std::int64_t id, std::string_view detail) = 0;

  // Records the vendor's reference to what an intent installed (Fleet's profile_uuid), synced
  // before the intent is marked sent, so a crash after the vendor answered still knows it.
  virtual Status record_vendor_ref(std::int64_t id, std::string_view vendor_ref) = 0;

  // The device id the vendor gave for `serial` (DeviceIdentity lookup), cached per target and
  // server; nullopt when never looked up.
  virtual Result<std::optional<std::string>> device_id(std::string_view target,
                                                       std::string_view server_url,
                                                       std::string_view serial) = 0;
  virtual Status remember_device_id(std::string_view target, std::string_view server_url,
                                    std::string_view serial, std::string_view device_id) = 0;

  // Pending and sent intents, oldest first: what a crash or a kill interrupted.
  virtual Result<std::vector<Intent>> unfinished() = 0;
  virtual Result<std::optional<Intent>> intent(std::int64_t id) = 0;
  // What cmdm installed, by identifier then target.
  virtual Result<std::vector<InstalledPart>> installed() = 0;
  // Forgets an installed part that is no longer on the device (removed by someone else).
  virtual Status forget_installed(std::string_view part_identifier, std::string_view target) = 0;

  // Records which source each part came from (replacing an earlier record of the same source and
  // target), stamps installed_at on sources whose parts are all installed, and drops sources none
  // of whose parts is installed any more (removed).
  virtual Status record_sources(const std::vector<SourceRecord>& sources) = 0;
  // Every recorded source, by identifier then target.
  virtual Result<std::vector<SourceRecord>> sources() = 0;

  // The schema version the ledger is at.
  virtual int schema_version() const = 0;
  // SQLite's integrity check; ExitCode::kDataError naming the first problem.
  virtual Status check_integrity() = 0;
};

// The recorded sources for a reader that must not wait for a running apply (the `profiles`
// front end lists while Chef or launchd applies): opens the ledger read-only, without the apply
// lock or migrations (WAL lets it read beside the writer), and closes it again. A ledger that
// does not exist yet, or predates version 3, has no sources; one from a newer schema, or a file
// that is not a ledger, is refused (ExitCode::kDataError); a symbolic link is not followed.
Result<std::vector<SourceRecord>> read_sources(const std::string& path);

}  // namespace cmdm::dispatcher
