// The relay's state behind one interface, so that a shared database can later serve several
// relays: the bundles CI published, the requests devices made (the idempotency record), what the
// relay installed on each device, and the append-only audit log. SQLite is the implementation
// (open_sqlite_store); docs/relay.md "State" lists the tables.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::relay {

// A bundle CI published: its manifest's SHA-256 names it; its files sit unpacked in directory.
struct PublishedBundle {
  std::string manifest_sha256;
  std::string directory;
  std::string source;  // the bundle path it was published from
  std::int64_t published_at = 0;
};

// One device request, keyed by (device, key): the idempotency record. A retry with the same key
// finds it and gets its answer instead of a second send.
struct RequestRecord {
  std::int64_t id = 0;
  std::string device;
  std::string key;     // "install:<digest>:<Idempotency-Key>" or "remove:<identifier>:<...>"
  std::string action;  // "install", "update", "remove"
  std::string identifier;
  std::string digest;
  std::string manifest_sha256;
  std::string state;   // "in_progress", "sent", "refused", "failed"
  std::string reason;  // a refusal's code, or why it failed
  std::string command_uuid;
  int vendor_status = 0;
  std::int64_t created_at = 0, updated_at = 0;
};

// What the relay installed on a device: the only identifiers that device may remove.
struct InstallRecord {
  std::string device;
  std::string identifier;
  std::string digest;
  std::string manifest_sha256;
  std::int64_t installed_at = 0;
};

// One line of the audit log; never updated or deleted.
struct AuditEntry {
  std::int64_t id = 0;
  std::int64_t at = 0;  // Unix seconds
  std::string device;
  std::string request;   // "install com.example.safari sha256:1f2e…"
  std::string decision;  // "forwarded", "replayed", "refused", "failed"
  std::string reason;    // a refusal's code and words
  std::string sent;      // "POST /v1/commands (812 bytes, sha256 …)", "" when nothing was sent
  std::string vendor_answer;  // "201", "" when nothing was sent
  std::int64_t request_id = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Status add_bundle(const PublishedBundle& bundle) = 0;
  virtual Result<std::optional<PublishedBundle>> find_bundle(
      const std::string& manifest_sha256) = 0;
  virtual Result<std::vector<PublishedBundle>> bundles() = 0;
  // Inserts `record` (state in_progress) unless (device, key) exists. Returns the stored record
  // and whether it is new. Atomic: two concurrent calls never both get `true`.
  struct Begun {
    RequestRecord record;
    bool created = false;
  };
  virtual Result<Begun> begin_request(const RequestRecord& record) = 0;
  // Moves a failed or interrupted request back to in_progress for another attempt; false when
  // another caller took it first.
  virtual Result<bool> retake_request(std::int64_t id) = 0;
  virtual Status finish_request(const RequestRecord& record) = 0;
  virtual Result<std::optional<RequestRecord>> find_request(const std::string& device,
                                                            std::int64_t id) = 0;
  virtual Result<std::optional<RequestRecord>> find_request_by_key(const std::string& device,
                                                                   const std::string& key) = 0;
  // Requests still in_progress when a relay stopped become "failed" (interrupted) on start.
  virtual Status fail_interrupted() = 0;
  virtual Result<std::optional<InstallRecord>> find_install(const std::string& device,
                                                            const std::string& identifier) = 0;
  virtual Status put_install(const InstallRecord& install) = 0;
  virtual Status delete_install(const std::string& device, const std::string& identifier) = 0;
  virtual Status append_audit(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> audit(const std::string& device) = 0;
};

// SQLite in WAL mode at `path` (created 0600). Thread-safe: one connection behind a mutex.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path);

}  // namespace cmdm::relay
