// The ledger over SQLite: WAL with synchronous=FULL (an intent is on disk before its command is
// sent), a migrations table, and state transitions checked in the UPDATE itself so a wrong
// transition changes nothing.
#include "dispatcher/ledger.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "dispatcher/private_files.h"

namespace cmdm::dispatcher {

std::string_view action_name(IntentAction action) {
  return action == IntentAction::kInstall ? "install" : "remove";
}

std::string_view state_name(IntentState state) {
  switch (state) {
    case IntentState::kPending:
      return "pending";
    case IntentState::kSent:
      return "sent";
    case IntentState::kConfirmed:
      return "confirmed";
    case IntentState::kFailed:
      return "failed";
  }
  return "pending";
}

const std::vector<Migration>& ledger_migrations() {
  static const std::vector<Migration> steps = {
      {.version = 1, .description = "intents and installed parts", .sql = R"sql(
CREATE TABLE intents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  part_identifier TEXT NOT NULL,
  profile_uuid TEXT NOT NULL,
  digest TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('install', 'remove')),
  target TEXT NOT NULL,
  command_uuid TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'confirmed', 'failed')),
  detail TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX intents_unfinished ON intents (id) WHERE state IN ('pending', 'sent');
CREATE TABLE installed (
  part_identifier TEXT NOT NULL,
  target TEXT NOT NULL,
  profile_uuid TEXT NOT NULL,
  digest TEXT NOT NULL,
  installed_at INTEGER NOT NULL,
  intent_id INTEGER NOT NULL REFERENCES intents (id),
  PRIMARY KEY (part_identifier, target)
);
)sql"},
      // Self-contained: a later step may add its own tables or columns after this one.
      {.version = 2,
       .description =
           "vendor references of installed parts, the install date an update replaces, device "
           "ids looked up by serial",
       .sql = R"sql(
ALTER TABLE intents ADD COLUMN vendor_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE installed ADD COLUMN vendor_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE intents ADD COLUMN replaces_install_date INTEGER NOT NULL DEFAULT 0;
CREATE TABLE device_ids (
  target TEXT NOT NULL,
  server_url TEXT NOT NULL,
  serial TEXT NOT NULL,
  device_id TEXT NOT NULL,
  looked_up_at INTEGER NOT NULL,
  PRIMARY KEY (target, server_url, serial)
);
)sql"},
      {.version = 3,
       .description = "sources and their parts, for the profiles front end",
       .sql = R"sql(
CREATE TABLE sources (
  source_identifier TEXT NOT NULL,
  target TEXT NOT NULL,
  source_uuid TEXT NOT NULL,
  display_name TEXT NOT NULL,
  installed_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (source_identifier, target)
);
CREATE TABLE source_parts (
  part_identifier TEXT NOT NULL,
  target TEXT NOT NULL,
  source_identifier TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (part_identifier, target)
);
)sql"},
  };
  return steps;
}

namespace {

// 'cmdm' in PRAGMA application_id: tells a ledger from any other SQLite file.
constexpr int kApplicationId = 0x636D646D;

// One prepared statement, finalized on destruction.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return rc_ == SQLITE_OK; }
  Statement& bind(int i, std::string_view text) {
    if (rc_ == SQLITE_OK) {
      rc_ =
          sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    return *this;
  }
  Statement& bind(int i, std::int64_t value) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, i, value);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return rc_ == SQLITE_OK ? sqlite3_step(stmt_) : rc_; }
  std::string text(int column) const {
    const unsigned char* t = sqlite3_column_text(stmt_, column);
    return t == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(t),
                             static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

std::int64_t system_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

class SqliteLedger final : public Ledger {
 public:
  SqliteLedger(std::string path, LedgerOptions options, ExclusiveLock lock)
      : path_(std::move(path)), options_(std::move(options)), lock_(std::move(lock)) {
    if (!options_.now) options_.now = system_now;
    if (options_.migrations.empty()) options_.migrations = ledger_migrations();
  }
  ~SqliteLedger() override { sqlite3_close_v2(db_); }

  Status open_database();
  Status migrate();

  Result<std::int64_t> record_intent(const NewIntent& intent) override;
  Status mark_sent(std::int64_t id) override {
    return transition(id, IntentState::kSent, "", "state = 'pending'");
  }
  Status mark_confirmed(std::int64_t id) override;
  Status mark_failed(std::int64_t id, std::string_view detail) override {
    return transition(id, IntentState::kFailed, detail, "state IN ('pending', 'sent')");
  }
  Status record_vendor_ref(std::int64_t id, std::string_view vendor_ref) override;
  Result<std::optional<std::string>> device_id(std::string_view target, std::string_view server_url,
                                               std::string_view serial) override;
  Status remember_device_id(std::string_view target, std::string_view server_url,
                            std::string_view serial, std::string_view device_id) override;
  Result<std::vector<Intent>> unfinished() override;
  Result<std::optional<Intent>> intent(std::int64_t id) override;
  Result<std::vector<InstalledPart>> installed() override;
  Status forget_installed(std::string_view part_identifier, std::string_view target) override;
  int schema_version() const override { return version_; }
  Status check_integrity() override;
  Status record_sources(const std::vector<SourceRecord>& sources) override;
  Result<std::vector<SourceRecord>> sources() override;

 private:
  Error sql_error(const std::string& what) const;
  Status exec(const char* sql);
  Status configure();
  Result<int> read_version();
  Status apply_migration(const Migration& step);
  Status transition(std::int64_t id, IntentState to, std::string_view detail, const char* from);
  Status record_installed(const Intent& intent);
  Status record_source(const SourceRecord& source);
  Result<std::vector<Intent>> select_intents(const char* where, std::int64_t id);
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back when it fails.
  template <typename Body>
  Status in_transaction(Body body);

  std::string path_;
  LedgerOptions options_;
  ExclusiveLock lock_;
  sqlite3* db_ = nullptr;
  int version_ = 0;
};

Error SqliteLedger::sql_error(const std::string& what) const {
  const int rc = db_ == nullptr ? SQLITE_CANTOPEN : sqlite3_errcode(db_);
  const std::string why = db_ == nullptr ? "cannot open" : sqlite3_errmsg(db_);
  // A file that is not a database, or a damaged one, is bad data rather than a failing disk.
  const bool data = rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
  return Error::make(data ? ExitCode::kDataError : ExitCode::kIoError, path_,
                     "ledger: " + what + ": " + why);
}

Status SqliteLedger::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(sql);
  return Ok{};
}

template <typename Body>
Status SqliteLedger::in_transaction(Body body) {
  if (Status begun = exec("BEGIN IMMEDIATE"); !begun) return begun;
  Status done = body();
  if (done) done = exec("COMMIT");
  if (!done) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return done;
}

Status SqliteLedger::open_database() {
  Result<int> fd = open_private_file(path_);
  if (!fd) return fd.error();
  ::close(*fd);
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    return sql_error("cannot open");
  }
  sqlite3_extended_result_codes(db_, 0);
  // Readers such as a status command may hold the database briefly; wait for them.
  sqlite3_busy_timeout(db_, static_cast<int>(options_.lock_timeout.count()));
  return configure();
}

// WAL keeps readers and the writer apart and survives a kill mid-commit; synchronous=FULL
// makes every commit durable, which an intent must be before its command is sent.
Status SqliteLedger::configure() {
  Statement mode(db_, "PRAGMA journal_mode = WAL");
  if (mode.step() != SQLITE_ROW) return sql_error("cannot read the journal mode");
  if (mode.text(0) != "wal") return sql_error("cannot switch to WAL");
  if (Status s = exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"); !s) return s;
  Statement id(db_, "PRAGMA application_id");
  Statement tables(db_, "SELECT count(*) FROM sqlite_master");
  if (id.step() != SQLITE_ROW || tables.step() != SQLITE_ROW) {
    return sql_error("cannot read the database");
  }
  if (id.integer(0) == kApplicationId) return Ok{};
  if (tables.integer(0) != 0) {
    return Error::make(ExitCode::kDataError, path_,
                       "is an SQLite database but not a cmdm ledger; refusing to change it");
  }
  return exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
}

Result<int> SqliteLedger::read_version() {
  if (Status s = exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                      " description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
      !s) {
    return s.error();
  }
  Statement max(db_, "SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (max.step() != SQLITE_ROW) return sql_error("cannot read the schema version");
  return static_cast<int>(max.integer(0));
}

Status SqliteLedger::migrate() {
  Result<int> version = read_version();
  if (!version) return version.error();
  version_ = *version;
  const int newest = options_.migrations.back().version;
  if (version_ > newest) {
    return Error::make(ExitCode::kDataError, path_,
                       "the ledger is at schema version " + std::to_string(version_) +
                           ", newer than this cmdm knows (" + std::to_string(newest) +
                           "); use a newer cmdm");
  }
  for (const Migration& step : options_.migrations) {
    if (step.version <= version_) continue;
    if (step.version != version_ + 1) {
      return Error::make(ExitCode::kInternal, path_,
                         "ledger migrations skip from version " + std::to_string(version_) +
                             " to " + std::to_string(step.version));
    }
    if (Status s = apply_migration(step); !s) return s;
    version_ = step.version;
  }
  return Ok{};
}

// One step and its row in schema_migrations commit together, so a kill leaves either the old
// schema or the new one.
Status SqliteLedger::apply_migration(const Migration& step) {
  return in_transaction([&]() -> Status {
    if (sqlite3_exec(db_, step.sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return sql_error("migration to version " + std::to_string(step.version) + " (" +
                       step.description + ") failed");
    }
    Statement row(db_, "INSERT INTO schema_migrations VALUES (?1, ?2, ?3)");
    row.bind(1, static_cast<std::int64_t>(step.version))
        .bind(2, step.description)
        .bind(3, options_.now());
    if (row.step() != SQLITE_DONE) return sql_error("cannot record the migration");
    return Ok{};
  });
}

Result<std::int64_t> SqliteLedger::record_intent(const NewIntent& intent) {
  Statement insert(
      db_,
      "INSERT INTO intents (part_identifier, profile_uuid, digest, action, target,"
      " command_uuid, state, created_at, updated_at, vendor_ref, replaces_install_date)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7, ?8, ?9)");
  insert.bind(1, intent.part_identifier)
      .bind(2, intent.profile_uuid)
      .bind(3, intent.digest)
      .bind(4, action_name(intent.action))
      .bind(5, intent.target)
      .bind(6, intent.command_uuid)
      .bind(7, options_.now())
      .bind(8, intent.vendor_ref)
      .bind(9, intent.replaces_install_date);
  if (insert.step() != SQLITE_DONE) return sql_error("cannot record the intent");
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Status SqliteLedger::record_vendor_ref(std::int64_t id, std::string_view vendor_ref) {
  Statement update(db_,
                   "UPDATE intents SET vendor_ref = ?1, updated_at = ?2 WHERE id = ?3 AND state IN"
                   " ('pending', 'sent')");
  update.bind(1, vendor_ref).bind(2, options_.now()).bind(3, id);
  if (update.step() != SQLITE_DONE) return sql_error("cannot record the vendor's reference");
  if (sqlite3_changes(db_) == 1) return Ok{};
  return Error::make(ExitCode::kInternal, path_,
                     "ledger: intent " + std::to_string(id) +
                         " is not unfinished; its vendor "
                         "reference cannot change");
}

Result<std::optional<std::string>> SqliteLedger::device_id(std::string_view target,
                                                           std::string_view server_url,
                                                           std::string_view serial) {
  Statement select(db_,
                   "SELECT device_id FROM device_ids WHERE target = ?1 AND server_url = ?2 AND"
                   " serial = ?3");
  select.bind(1, target).bind(2, server_url).bind(3, serial);
  int rc = select.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(select.text(0));
  if (rc != SQLITE_DONE) return sql_error("cannot read the device id");
  return std::optional<std::string>();
}

Status SqliteLedger::remember_device_id(std::string_view target, std::string_view server_url,
                                        std::string_view serial, std::string_view device_id) {
  Statement upsert(db_,
                   "INSERT OR REPLACE INTO device_ids (target, server_url, serial, device_id,"
                   " looked_up_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  upsert.bind(1, target)
      .bind(2, server_url)
      .bind(3, serial)
      .bind(4, device_id)
      .bind(5, options_.now());
  if (upsert.step() != SQLITE_DONE) return sql_error("cannot record the device id");
  return Ok{};
}

Status SqliteLedger::transition(std::int64_t id, IntentState to, std::string_view detail,
                                const char* from) {
  const std::string sql =
      std::string(
          "UPDATE intents SET state = ?1, detail = ?2, updated_at = ?3 WHERE id = ?4 AND ") +
      from;
  Statement update(db_, sql.c_str());
  update.bind(1, state_name(to)).bind(2, detail).bind(3, options_.now()).bind(4, id);
  if (update.step() != SQLITE_DONE) return sql_error("cannot update intent " + std::to_string(id));
  if (sqlite3_changes(db_) == 1) return Ok{};
  Result<std::optional<Intent>> current = intent(id);
  if (!current) return current.error();
  const std::string now =
      *current ? "is " + std::string(state_name((*current)->state)) : "does not exist";
  return Error::make(ExitCode::kInternal, path_,
                     "ledger: intent " + std::to_string(id) + " " + now + "; it cannot become " +
                         std::string(state_name(to)));
}

Status SqliteLedger::mark_confirmed(std::int64_t id) {
  return in_transaction([&]() -> Status {
    if (Status s = transition(id, IntentState::kConfirmed, "", "state IN ('pending', 'sent')");
        !s) {
      return s;
    }
    Result<std::optional<Intent>> confirmed = intent(id);
    if (!confirmed) return confirmed.error();
    return record_installed(**confirmed);
  });
}

Status SqliteLedger::record_installed(const Intent& intent) {
  if (intent.action == IntentAction::kRemove) {
    return forget_installed(intent.part_identifier, intent.target);
  }
  Statement upsert(
      db_,
      "INSERT OR REPLACE INTO installed (part_identifier, target, profile_uuid, digest,"
      " installed_at, intent_id, vendor_ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  upsert.bind(1, intent.part_identifier)
      .bind(2, intent.target)
      .bind(3, intent.profile_uuid)
      .bind(4, intent.digest)
      .bind(5, options_.now())
      .bind(6, intent.id)
      .bind(7, intent.vendor_ref);
  if (upsert.step() != SQLITE_DONE) return sql_error("cannot record the installed part");
  return Ok{};
}

Status SqliteLedger::forget_installed(std::string_view part_identifier, std::string_view target) {
  Statement remove(db_, "DELETE FROM installed WHERE part_identifier = ?1 AND target = ?2");
  remove.bind(1, part_identifier).bind(2, target);
  if (remove.step() != SQLITE_DONE) return sql_error("cannot forget the installed part");
  return Ok{};
}

Result<std::vector<Intent>> SqliteLedger::select_intents(const char* where, std::int64_t id) {
  const std::string sql =
      std::string(
          "SELECT id, part_identifier, profile_uuid, digest, action, target, command_uuid, state,"
          " detail, created_at, updated_at, vendor_ref, replaces_install_date FROM intents "
          "WHERE ") +
      where + " ORDER BY id";
  Statement select(db_, sql.c_str());
  if (std::string_view(where).find("?1") != std::string_view::npos) select.bind(1, id);
  std::vector<Intent> out;
  int rc;
  while ((rc = select.step()) == SQLITE_ROW) {
    Intent i;
    i.id = select.integer(0);
    i.part_identifier = select.text(1);
    i.profile_uuid = select.text(2);
    i.digest = select.text(3);
    i.action = select.text(4) == "remove" ? IntentAction::kRemove : IntentAction::kInstall;
    i.target = select.text(5);
    i.command_uuid = select.text(6);
    const std::string state = select.text(7);
    i.state = state == "sent"        ? IntentState::kSent
              : state == "confirmed" ? IntentState::kConfirmed
              : state == "failed"    ? IntentState::kFailed
                                     : IntentState::kPending;
    i.detail = select.text(8);
    i.created_at = select.integer(9);
    i.updated_at = select.integer(10);
    i.vendor_ref = select.text(11);
    i.replaces_install_date = select.integer(12);
    out.push_back(std::move(i));
  }
  if (rc != SQLITE_DONE) return sql_error("cannot read intents");
  return out;
}

Result<std::vector<Intent>> SqliteLedger::unfinished() {
  return select_intents("state IN ('pending', 'sent')", 0);
}

Result<std::optional<Intent>> SqliteLedger::intent(std::int64_t id) {
  Result<std::vector<Intent>> found = select_intents("id = ?1", id);
  if (!found) return found.error();
  if (found->empty()) return std::optional<Intent>();
  return std::optional<Intent>(std::move(found->front()));
}

Result<std::vector<InstalledPart>> SqliteLedger::installed() {
  Statement select(db_,
                   "SELECT part_identifier, target, profile_uuid, digest, installed_at, vendor_ref"
                   " FROM installed ORDER BY part_identifier, target");
  std::vector<InstalledPart> out;
  int rc;
  while ((rc = select.step()) == SQLITE_ROW) {
    out.push_back({.part_identifier = select.text(0),
                   .target = select.text(1),
                   .profile_uuid = select.text(2),
                   .digest = select.text(3),
                   .installed_at = select.integer(4),
                   .vendor_ref = select.text(5)});
  }
  if (rc != SQLITE_DONE) return sql_error("cannot read installed parts");
  return out;
}

Status SqliteLedger::check_integrity() {
  Statement check(db_, "PRAGMA integrity_check");
  if (check.step() != SQLITE_ROW) return sql_error("cannot check integrity");
  const std::string first = check.text(0);
  if (first == "ok") return Ok{};
  return Error::make(ExitCode::kDataError, path_, "ledger is damaged: " + first);
}

}  // namespace

Result<std::unique_ptr<Ledger>> Ledger::open(const std::string& path, LedgerOptions options) {
  if (Status parent = check_private_parent(path); !parent) return parent.error();
  Result<ExclusiveLock> lock = ExclusiveLock::acquire(path + ".lock", options.lock_timeout);
  if (!lock) return lock.error();
  auto ledger = std::make_unique<SqliteLedger>(path, std::move(options), std::move(*lock));
  if (Status s = ledger->open_database(); !s) return s.error();
  if (Status s = ledger->migrate(); !s) return s.error();
  return std::unique_ptr<Ledger>(std::move(ledger));
}

// Sources (schema version 3).

Status SqliteLedger::record_source(const SourceRecord& source) {
  Statement upsert(db_,
                   "INSERT INTO sources (source_identifier, target, source_uuid, display_name) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source_identifier, target) DO UPDATE "
                   "SET source_uuid = excluded.source_uuid, display_name = excluded.display_name");
  upsert.bind(1, source.identifier)
      .bind(2, source.target)
      .bind(3, source.uuid)
      .bind(4, source.display_name);
  if (upsert.step() != SQLITE_DONE) return sql_error("cannot record a source");
  Statement clear(db_, "DELETE FROM source_parts WHERE source_identifier = ?1 AND target = ?2");
  clear.bind(1, source.identifier).bind(2, source.target);
  if (clear.step() != SQLITE_DONE) return sql_error("cannot record a source's parts");
  for (std::size_t i = 0; i < source.parts.size(); ++i) {
    Statement part(db_, "INSERT OR REPLACE INTO source_parts VALUES (?1, ?2, ?3, ?4)");
    part.bind(1, source.parts[i])
        .bind(2, source.target)
        .bind(3, source.identifier)
        .bind(4, static_cast<std::int64_t>(i));
    if (part.step() != SQLITE_DONE) return sql_error("cannot record a source's parts");
  }
  return Ok{};
}

Status SqliteLedger::record_sources(const std::vector<SourceRecord>& sources) {
  return in_transaction([&]() -> Status {
    for (const SourceRecord& source : sources) {
      if (Status s = record_source(source); !s) return s;
    }
    // A part is installed when `installed` has its row for the same target.
    Statement stamp(db_, R"sql(
UPDATE sources SET installed_at = ?1 WHERE installed_at = 0 AND NOT EXISTS (
  SELECT 1 FROM source_parts p WHERE p.source_identifier = sources.source_identifier
    AND p.target = sources.target AND NOT EXISTS (
      SELECT 1 FROM installed i WHERE i.part_identifier = p.part_identifier
        AND i.target = p.target)))sql");
    stamp.bind(1, options_.now());
    if (stamp.step() != SQLITE_DONE) return sql_error("cannot stamp installed sources");
    return exec(R"sql(
DELETE FROM sources WHERE NOT EXISTS (
  SELECT 1 FROM source_parts p JOIN installed i
    ON i.part_identifier = p.part_identifier AND i.target = p.target
  WHERE p.source_identifier = sources.source_identifier AND p.target = sources.target);
DELETE FROM source_parts WHERE NOT EXISTS (
  SELECT 1 FROM sources s WHERE s.source_identifier = source_parts.source_identifier
    AND s.target = source_parts.target))sql");
  });
}

namespace {

// The sources and their parts, grouped; false when the query fails.
bool select_sources(sqlite3* db, std::vector<SourceRecord>& out) {
  Statement rows(db,
                 "SELECT s.source_identifier, s.target, s.source_uuid, s.display_name, "
                 "s.installed_at, p.part_identifier FROM sources s JOIN source_parts p "
                 "ON p.source_identifier = s.source_identifier AND p.target = s.target "
                 "ORDER BY s.source_identifier, s.target, p.position");
  int rc = SQLITE_ROW;
  while ((rc = rows.step()) == SQLITE_ROW) {
    if (out.empty() || out.back().identifier != rows.text(0) || out.back().target != rows.text(1)) {
      out.push_back({.identifier = rows.text(0),
                     .target = rows.text(1),
                     .uuid = rows.text(2),
                     .display_name = rows.text(3),
                     .installed_at = rows.integer(4)});
    }
    out.back().parts.push_back(rows.text(5));
  }
  return rc == SQLITE_DONE;
}

// The first schema version that records sources.
constexpr int kSourcesVersion = 3;

}  // namespace

Result<std::vector<SourceRecord>> SqliteLedger::sources() {
  std::vector<SourceRecord> out;
  if (!select_sources(db_, out)) return sql_error("cannot read the sources");
  return out;
}

Result<std::vector<SourceRecord>> read_sources(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::vector<SourceRecord>();
    return Error::make(ExitCode::kIoError, path, std::string("ledger: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Error::make(ExitCode::kIoError, path, "ledger: not a regular file; not read");
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;
  const int opened = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, sqlite3_close);
  auto failed = [&](const std::string& what) {
    const int rc = db == nullptr ? SQLITE_CANTOPEN : sqlite3_errcode(db);
    const bool data = rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
    return Error::make(data ? ExitCode::kDataError : ExitCode::kIoError, path,
                       "ledger: " + what + ": " + (db ? sqlite3_errmsg(db) : "cannot open"));
  };
  if (opened != SQLITE_OK) return failed("cannot open");
  sqlite3_busy_timeout(db, 5'000);  // a checkpoint holds the file only briefly
  Statement id(db, "PRAGMA application_id");
  if (id.step() != SQLITE_ROW) return failed("cannot read the database");
  if (id.integer(0) != kApplicationId) {
    return Error::make(ExitCode::kDataError, path, "is not a cmdm ledger; not read");
  }
  Statement table(db, "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'");
  if (table.step() != SQLITE_ROW) return failed("cannot read the schema");
  std::int64_t at = 0;
  if (table.integer(0) != 0) {
    Statement version(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (version.step() != SQLITE_ROW) return failed("cannot read the schema version");
    at = version.integer(0);
  }
  if (at > ledger_migrations().back().version) {
    return Error::make(ExitCode::kDataError, path,
                       "the ledger is at schema version " + std::to_string(at) +
                           ", newer than this cmdm knows; use a newer cmdm");
  }
  std::vector<SourceRecord> out;
  if (at < kSourcesVersion) return out;
  if (!select_sources(db, out)) return failed("cannot read the sources");
  return out;
}

}  // namespace cmdm::dispatcher
