// The relay's state in SQLite (relay/store.h). One connection behind a mutex: the relay's
// writes are small and few per request, and SQLite serializes writers anyway. The audit table
// refuses UPDATE and DELETE by trigger, so the log is append-only even to a bug in this file.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <ctime>
#include <mutex>

#include "relay/store.h"

namespace cmdm::relay {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS bundles (
  manifest_sha256 TEXT PRIMARY KEY, directory TEXT NOT NULL, source TEXT NOT NULL,
  published_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT, device TEXT NOT NULL, key TEXT NOT NULL,
  action TEXT NOT NULL, identifier TEXT NOT NULL, digest TEXT NOT NULL,
  manifest_sha256 TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,
  command_uuid TEXT NOT NULL, vendor_status INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (device, key));
CREATE TABLE IF NOT EXISTS installs (
  device TEXT NOT NULL, identifier TEXT NOT NULL, digest TEXT NOT NULL,
  manifest_sha256 TEXT NOT NULL, installed_at INTEGER NOT NULL, PRIMARY KEY (device, identifier));
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, device TEXT NOT NULL,
  request TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL, sent TEXT NOT NULL,
  vendor_answer TEXT NOT NULL, request_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS audit_device ON audit (device, id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  std::string text(int i) const {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(t),
                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* kRequestColumns =
    "id, device, key, action, identifier, digest, manifest_sha256, state, reason, command_uuid, "
    "vendor_status, created_at, updated_at";

RequestRecord request_from(const Statement& s) {
  return {.id = s.integer(0),
          .device = s.text(1),
          .key = s.text(2),
          .action = s.text(3),
          .identifier = s.text(4),
          .digest = s.text(5),
          .manifest_sha256 = s.text(6),
          .state = s.text(7),
          .reason = s.text(8),
          .command_uuid = s.text(9),
          .vendor_status = static_cast<int>(s.integer(10)),
          .created_at = s.integer(11),
          .updated_at = s.integer(12)};
}

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteStore() override { sqlite3_close(db_); }

  Status add_bundle(const PublishedBundle& b) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT OR REPLACE INTO bundles (manifest_sha256, directory, source, published_at)"
                " VALUES (?1, ?2, ?3, ?4)");
    if (!s.ok()) return failure("prepare");
    s.bind(1, b.manifest_sha256).bind(2, b.directory).bind(3, b.source).bind(4, now());
    return s.step() == SQLITE_DONE ? Status(Ok{}) : failure("publish");
  }

  Result<std::optional<PublishedBundle>> find_bundle(const std::string& sha) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT manifest_sha256, directory, source, published_at FROM bundles "
                "WHERE manifest_sha256 = ?1");
    if (!s.ok()) return failure("prepare");
    s.bind(1, sha);
    if (s.step() != SQLITE_ROW) return std::optional<PublishedBundle>();
    return std::optional<PublishedBundle>(PublishedBundle{.manifest_sha256 = s.text(0),
                                                          .directory = s.text(1),
                                                          .source = s.text(2),
                                                          .published_at = s.integer(3)});
  }

  Result<std::vector<PublishedBundle>> bundles() override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT manifest_sha256, directory, source, published_at FROM bundles "
                "ORDER BY published_at, manifest_sha256");
    if (!s.ok()) return failure("prepare");
    std::vector<PublishedBundle> out;
    while (s.step() == SQLITE_ROW) {
      out.push_back({.manifest_sha256 = s.text(0),
                     .directory = s.text(1),
                     .source = s.text(2),
                     .published_at = s.integer(3)});
    }
    return out;
  }

  Result<Begun> begin_request(const RequestRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement insert(
        db_,
        "INSERT OR IGNORE INTO requests (device, key, action, identifier, digest, "
        "manifest_sha256, state, reason, command_uuid, vendor_status, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'in_progress', '', '', 0, ?7, ?7)");
    if (!insert.ok()) return failure("prepare");
    insert.bind(1, r.device).bind(2, r.key).bind(3, r.action).bind(4, r.identifier);
    insert.bind(5, r.digest).bind(6, r.manifest_sha256).bind(7, now());
    if (insert.step() != SQLITE_DONE) return failure("record the request");
    const bool created = sqlite3_changes(db_) == 1;
    Statement select(db_, (std::string("SELECT ") + kRequestColumns +
                           " FROM requests WHERE device = ?1 AND key = ?2")
                              .c_str());
    select.bind(1, r.device).bind(2, r.key);
    if (select.step() != SQLITE_ROW) return failure("read the request back");
    return Begun{.record = request_from(select), .created = created};
  }

  Result<bool> retake_request(std::int64_t id) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "UPDATE requests SET state = 'in_progress', updated_at = ?2 "
                "WHERE id = ?1 AND state = 'failed'");
    s.bind(1, id).bind(2, now());
    if (s.step() != SQLITE_DONE) return failure("retake the request");
    return sqlite3_changes(db_) == 1;
  }

  Status finish_request(const RequestRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "UPDATE requests SET state = ?2, reason = ?3, command_uuid = ?4, "
                "vendor_status = ?5, updated_at = ?6 WHERE id = ?1");
    s.bind(1, r.id).bind(2, r.state).bind(3, r.reason).bind(4, r.command_uuid);
    s.bind(5, static_cast<std::int64_t>(r.vendor_status)).bind(6, now());
    return s.step() == SQLITE_DONE ? Status(Ok{}) : failure("finish the request");
  }

  Result<std::optional<RequestRecord>> find_request(const std::string& device,
                                                    std::int64_t id) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, (std::string("SELECT ") + kRequestColumns +
                      " FROM requests WHERE id = ?1 AND device = ?2")
                         .c_str());
    s.bind(1, id).bind(2, device);
    if (s.step() != SQLITE_ROW) return std::optional<RequestRecord>();
    return std::optional<RequestRecord>(request_from(s));
  }

  Result<std::optional<RequestRecord>> find_request_by_key(const std::string& device,
                                                           const std::string& key) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, (std::string("SELECT ") + kRequestColumns +
                      " FROM requests WHERE device = ?1 AND key = ?2")
                         .c_str());
    s.bind(1, device).bind(2, key);
    if (s.step() != SQLITE_ROW) return std::optional<RequestRecord>();
    return std::optional<RequestRecord>(request_from(s));
  }

  Status fail_interrupted() override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "UPDATE requests SET state = 'failed', reason = 'interrupted' "
                "WHERE state = 'in_progress'");
    return s.step() == SQLITE_DONE ? Status(Ok{}) : failure("reconcile requests");
  }

  Result<std::optional<InstallRecord>> find_install(const std::string& device,
                                                    const std::string& identifier) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT digest, manifest_sha256, installed_at FROM installs "
                "WHERE device = ?1 AND identifier = ?2");
    s.bind(1, device).bind(2, identifier);
    if (s.step() != SQLITE_ROW) return std::optional<InstallRecord>();
    return std::optional<InstallRecord>(InstallRecord{.device = device,
                                                      .identifier = identifier,
                                                      .digest = s.text(0),
                                                      .manifest_sha256 = s.text(1),
                                                      .installed_at = s.integer(2)});
  }

  Status put_install(const InstallRecord& i) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT OR REPLACE INTO installs (device, identifier, digest, manifest_sha256, "
                "installed_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, i.device).bind(2, i.identifier).bind(3, i.digest).bind(4, i.manifest_sha256);
    s.bind(5, now());
    return s.step() == SQLITE_DONE ? Status(Ok{}) : failure("record the install");
  }

  Status delete_install(const std::string& device, const std::string& identifier) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "DELETE FROM installs WHERE device = ?1 AND identifier = ?2");
    s.bind(1, device).bind(2, identifier);
    return s.step() == SQLITE_DONE ? Status(Ok{}) : failure("forget the install");
  }

  Status append_audit(const AuditEntry& e) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "INSERT INTO audit (at, device, request, decision, reason, sent, vendor_answer, "
                "request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, e.at != 0 ? e.at : now()).bind(2, e.device).bind(3, e.request).bind(4, e.decision);
    s.bind(5, e.reason).bind(6, e.sent).bind(7, e.vendor_answer).bind(8, e.request_id);
    return s.step() == SQLITE_DONE ? Status(Ok{}) : failure("append to the audit log");
  }

  Result<std::vector<AuditEntry>> audit(const std::string& device) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT id, at, device, request, decision, reason, sent, vendor_answer, request_id "
                "FROM audit WHERE device = ?1 ORDER BY id");
    s.bind(1, device);
    std::vector<AuditEntry> out;
    while (s.step() == SQLITE_ROW) {
      out.push_back({.id = s.integer(0),
                     .at = s.integer(1),
                     .device = s.text(2),
                     .request = s.text(3),
                     .decision = s.text(4),
                     .reason = s.text(5),
                     .sent = s.text(6),
                     .vendor_answer = s.text(7),
                     .request_id = s.integer(8)});
    }
    return out;
  }

 private:
  Error failure(const char* what) const {
    return Error::make(ExitCode::kIoError, path_,
                       std::string("cannot ") + what + ": " + sqlite3_errmsg(db_));
  }

  std::mutex mutex_;
  sqlite3* db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path) {
  // Created 0600 before SQLite opens it: the audit log names devices and requests.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error::make(ExitCode::kIoError, path, "cannot create the relay database");
  ::close(fd);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error::make(ExitCode::kIoError, path, "cannot open the relay database: " + message);
  }
  sqlite3_busy_timeout(db, 30'000);
  char* message = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &message) != SQLITE_OK) {
    Error e = Error::make(
        ExitCode::kIoError, path,
        std::string("cannot set up the relay database: ") + (message != nullptr ? message : ""));
    sqlite3_free(message);
    sqlite3_close(db);
    return e;
  }
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(db, path));
}

}  // namespace cmdm::relay
