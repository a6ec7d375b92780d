#include "dispatcher/ledger.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace cmdm::dispatcher {
namespace {

using namespace std::chrono_literals;

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cmdm-ledger-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/state/ledger.sqlite";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Ledger> open(LedgerOptions options = {}) {
    if (!options.now) options.now = [this] { return ++clock_; };
    Result<std::unique_ptr<Ledger>> ledger = Ledger::open(path_, std::move(options));
    EXPECT_TRUE(ledger) << ledger.error().format();
    return ledger ? std::move(*ledger) : nullptr;
  }

  static NewIntent install(const std::string& part) {
    return {.part_identifier = part,
            .profile_uuid = "UUID-" + part,
            .digest = "sha256:" + part,
            .action = IntentAction::kInstall,
            .target = "fleet",
            .command_uuid = "CMD-" + part};
  }

  static mode_t mode_of(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }

  std::string dir_;
  std::string path_;
  std::int64_t clock_ = 1'000;
};

TEST_F(LedgerTest, WalksAnInstallFromPendingToConfirmedAndRecordsItAsInstalled) {
  auto ledger = open();
  Result<std::int64_t> id = ledger->record_intent(install("com.example.wifi"));
  ASSERT_TRUE(id) << id.error().format();
  EXPECT_EQ((*ledger->intent(*id))->state, IntentState::kPending);
  EXPECT_TRUE(ledger->installed()->empty());
  ASSERT_TRUE(ledger->mark_sent(*id));
  EXPECT_EQ((*ledger->intent(*id))->state, IntentState::kSent);
  ASSERT_TRUE(ledger->mark_confirmed(*id));
  const Intent done = **ledger->intent(*id);
  EXPECT_EQ(done.state, IntentState::kConfirmed);
  EXPECT_EQ(done.command_uuid, "CMD-com.example.wifi");
  EXPECT_LT(done.created_at, done.updated_at);
  Result<std::vector<InstalledPart>> installed = ledger->installed();
  ASSERT_EQ(installed->size(), 1u);
  EXPECT_EQ((*installed)[0].part_identifier, "com.example.wifi");
  EXPECT_EQ((*installed)[0].target, "fleet");
  EXPECT_EQ((*installed)[0].profile_uuid, "UUID-com.example.wifi");
  EXPECT_EQ((*installed)[0].digest, "sha256:com.example.wifi");
}

TEST_F(LedgerTest, AConfirmedRemoveForgetsTheInstalledPart) {
  auto ledger = open();
  const std::int64_t added = *ledger->record_intent(install("a"));
  ASSERT_TRUE(ledger->mark_confirmed(added));
  NewIntent removal = install("a");
  removal.action = IntentAction::kRemove;
  const std::int64_t removed = *ledger->record_intent(removal);
  ASSERT_TRUE(ledger->mark_sent(removed));
  EXPECT_EQ(ledger->installed()->size(), 1u);  // not gone until confirmed
  ASSERT_TRUE(ledger->mark_confirmed(removed));
  EXPECT_TRUE(ledger->installed()->empty());
}

TEST_F(LedgerTest, AFailedIntentKeepsItsReasonAndInstallsNothing) {
  auto ledger = open();
  const std::int64_t id = *ledger->record_intent(install("a"));
  ASSERT_TRUE(ledger->mark_sent(id));
  ASSERT_TRUE(ledger->mark_failed(id, "the MDM answered 400: bad profile"));
  EXPECT_EQ((*ledger->intent(id))->detail, "the MDM answered 400: bad profile");
  EXPECT_TRUE(ledger->installed()->empty());
  EXPECT_TRUE(ledger->unfinished()->empty());
}

TEST_F(LedgerTest, RefusesATransitionOutOfAFinishedState) {
  auto ledger = open();
  const std::int64_t id = *ledger->record_intent(install("a"));
  ASSERT_TRUE(ledger->mark_confirmed(id));
  Status again = ledger->mark_sent(id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ExitCode::kInternal);
  EXPECT_EQ(again.error().diagnostics[0].message,
            "ledger: intent 1 is confirmed; it cannot become sent");
  EXPECT_FALSE(ledger->mark_failed(id, "late"));
  EXPECT_EQ(ledger->mark_confirmed(99).error().diagnostics[0].message,
            "ledger: intent 99 does not exist; it cannot become confirmed");
}

TEST_F(LedgerTest, ListsUnfinishedIntentsOldestFirstAcrossReopening) {
  {
    auto ledger = open();
    const std::int64_t a = *ledger->record_intent(install("a"));
    const std::int64_t b = *ledger->record_intent(install("b"));
    const std::int64_t c = *ledger->record_intent(install("c"));
    ASSERT_TRUE(ledger->mark_sent(a));
    ASSERT_TRUE(ledger->mark_confirmed(b));
    (void)c;
  }
  auto ledger = open();
  Result<std::vector<Intent>> open_intents = ledger->unfinished();
  ASSERT_TRUE(open_intents);
  ASSERT_EQ(open_intents->size(), 2u);
  EXPECT_EQ((*open_intents)[0].part_identifier, "a");
  EXPECT_EQ((*open_intents)[0].state, IntentState::kSent);
  EXPECT_EQ((*open_intents)[1].part_identifier, "c");
  EXPECT_EQ((*open_intents)[1].state, IntentState::kPending);
}

TEST_F(LedgerTest, CreatesAPrivateDirectoryAndPrivateFiles) {
  auto ledger = open();
  ASSERT_TRUE(ledger->record_intent(install("a")));
  EXPECT_EQ(mode_of(dir_ + "/state"), 0700u);
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_EQ(mode_of(path_ + ".lock"), 0600u);
  EXPECT_EQ(mode_of(path_ + "-wal"), 0600u);  // WAL mode is on
}

TEST_F(LedgerTest, TightensAnExistingLedgerThatOthersCouldRead) {
  open().reset();
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  open().reset();
  EXPECT_EQ(mode_of(path_), 0600u);
}

TEST_F(LedgerTest, RefusesADirectoryReachedThroughASymbolicLink) {
  std::filesystem::create_directory(dir_ + "/elsewhere");
  std::filesystem::create_directory_symlink(dir_ + "/elsewhere", dir_ + "/state");
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(path_);
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.error().format(),
            dir_ +
                "/state: error: is a symbolic link; the directory of cmdm's state must be a "
                "real directory\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/elsewhere/ledger.sqlite"));
}

TEST_F(LedgerTest, RefusesALedgerFileThatIsASymbolicLink) {
  std::filesystem::create_directory(dir_ + "/state");
  std::ofstream(dir_ + "/victim") << "x";
  std::filesystem::create_symlink(dir_ + "/victim", path_);
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(path_);
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.error().diagnostics[0].message, "is a symbolic link; refusing to follow it");
}

TEST_F(LedgerTest, RefusesADirectoryOthersCanWriteTo) {
  std::filesystem::create_directory(dir_ + "/state");
  ASSERT_EQ(::chmod((dir_ + "/state").c_str(), 0777), 0);
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(path_);
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.error().diagnostics[0].message,
            "is writable by other users (fix: chmod go-w '" + dir_ + "/state')");
}

TEST_F(LedgerTest, ASecondOpenerWaitsForTheLockThenGivesUpWithAClearMessage) {
  auto first = open();
  const auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<Ledger>> second = Ledger::open(path_, {.lock_timeout = 300ms});
  ASSERT_FALSE(second);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_EQ(second.error().code, ExitCode::kUnavailable);
  EXPECT_EQ(second.error().format(),
            path_ +
                ".lock: error: another cmdm process holds this lock (waited 300 ms); only one "
                "apply runs at a time\n");
}

TEST_F(LedgerTest, ASecondOpenerGetsTheLedgerOnceTheFirstCloses) {
  auto first = open();
  std::thread closer([&] {
    std::this_thread::sleep_for(200ms);
    first.reset();
  });
  Result<std::unique_ptr<Ledger>> second = Ledger::open(path_, {.lock_timeout = 10s});
  closer.join();
  EXPECT_TRUE(second) << second.error().format();
}

TEST_F(LedgerTest, ASecondProcessWaitsForTheFirstToFinish) {
  open().reset();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t holder = ::fork();
  if (holder == 0) {
    Result<std::unique_ptr<Ledger>> ledger = Ledger::open(path_, {.lock_timeout = 5s});
    const char byte = ledger ? 'y' : 'n';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(2);
    std::this_thread::sleep_for(400ms);
    ::_exit(ledger ? 0 : 1);  // the kernel drops the lock with the process
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(byte, 'y');
  Result<std::unique_ptr<Ledger>> impatient = Ledger::open(path_, {.lock_timeout = 50ms});
  EXPECT_FALSE(impatient);
  Result<std::unique_ptr<Ledger>> patient = Ledger::open(path_, {.lock_timeout = 10s});
  EXPECT_TRUE(patient) << patient.error().format();
  int status = 0;
  ::waitpid(holder, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(LedgerTest, ANewLedgerIsAtTheCurrentSchemaVersion) {
  EXPECT_EQ(open()->schema_version(), ledger_migrations().back().version);
  EXPECT_EQ(ledger_migrations().back().version, 3);
}

TEST_F(LedgerTest, AVersion1LedgerMigratesAndKeepsVendorReferences) {
  {
    Result<std::unique_ptr<Ledger>> v1 =
        Ledger::open(path_, {.migrations = {ledger_migrations()[0]}});
    ASSERT_TRUE(v1) << v1.error().format();
    ASSERT_EQ((*v1)->schema_version(), 1);
  }
  Result<std::unique_ptr<Ledger>> v2 = Ledger::open(path_);
  ASSERT_TRUE(v2) << v2.error().format();
  EXPECT_EQ((*v2)->schema_version(), 3) << "every step after version 1 runs";
  Result<std::int64_t> id = (*v2)->record_intent({.part_identifier = "p",
                                                  .profile_uuid = "U",
                                                  .digest = "D",
                                                  .target = "fleet-profiles",
                                                  .replaces_install_date = 1700000000});
  ASSERT_TRUE(id);
  EXPECT_EQ((*(*v2)->unfinished())[0].replaces_install_date, 1700000000);
  ASSERT_TRUE((*v2)->record_vendor_ref(*id, "fleet-uuid-1"));
  ASSERT_TRUE((*v2)->mark_sent(*id));
  EXPECT_EQ((*(*v2)->unfinished())[0].vendor_ref, "fleet-uuid-1");
  ASSERT_TRUE((*v2)->mark_confirmed(*id));
  EXPECT_EQ((*(*v2)->installed())[0].vendor_ref, "fleet-uuid-1");
  EXPECT_FALSE((*v2)->record_vendor_ref(*id, "other")) << "a finished intent keeps its reference";
}

TEST_F(LedgerTest, RemembersADeviceIdPerTargetServerAndSerial) {
  std::unique_ptr<Ledger> ledger = open();
  EXPECT_EQ(*ledger->device_id("fleet", "https://a", "C02X"), std::nullopt);
  ASSERT_TRUE(ledger->remember_device_id("fleet", "https://a", "C02X", "host-1"));
  ASSERT_TRUE(ledger->remember_device_id("fleet", "https://a", "C02X", "host-2"));
  EXPECT_EQ(*ledger->device_id("fleet", "https://a", "C02X"), "host-2");
  EXPECT_EQ(*ledger->device_id("fleet", "https://b", "C02X"), std::nullopt);
  EXPECT_EQ(*ledger->device_id("micromdm", "https://a", "C02X"), std::nullopt);
}

// The profiles front end lists while an apply holds the ledger: read_sources reads beside it,
// without the lock (a second Ledger::open here would wait for it).
TEST_F(LedgerTest, SourcesAreReadWhileAnApplyHoldsTheLedger) {
  EXPECT_TRUE(read_sources(path_)->empty()) << "no ledger yet: nothing installed by cmdm";
  auto held = open();
  Result<std::int64_t> id = held->record_intent(install("com.example.a"));
  ASSERT_TRUE(id && held->mark_confirmed(*id));
  ASSERT_TRUE(held->record_sources({{.identifier = "com.example.a",
                                     .target = "fleet",
                                     .uuid = "U",
                                     .parts = {"com.example.a"}}}));
  Result<std::unique_ptr<Ledger>> waiting = Ledger::open(path_, {.lock_timeout = 50ms});
  ASSERT_FALSE(waiting) << "the apply lock is held";
  Result<std::vector<SourceRecord>> read = read_sources(path_);
  ASSERT_TRUE(read) << read.error().format();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].uuid, "U");
  EXPECT_EQ((*read)[0].parts, std::vector<std::string>{"com.example.a"});
}

TEST_F(LedgerTest, ReadingSourcesRefusesAFileThatIsNotALedger) {
  std::filesystem::create_directory(dir_ + "/state");
  {
    std::ofstream junk(path_);
    junk << std::string(4096, 'x');
  }
  Result<std::vector<SourceRecord>> read = read_sources(path_);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ExitCode::kDataError);
}

TEST_F(LedgerTest, RecordsWhichSourceEachPartCameFromAndKeepsItsFirstInstallDate) {
  auto ledger = open();
  auto confirm = [&](const std::string& part) {
    Result<std::int64_t> id = ledger->record_intent(install(part));
    ASSERT_TRUE(id);
    ASSERT_TRUE(ledger->mark_sent(*id));
    ASSERT_TRUE(ledger->mark_confirmed(*id));
  };
  const SourceRecord wifi{.identifier = "com.example.wifi",
                          .target = "fleet",
                          .uuid = "SRC-UUID",
                          .display_name = "Wi-Fi",
                          .parts = {"com.example.wifi.part-1", "com.example.wifi.part-2"}};
  confirm("com.example.wifi.part-1");
  ASSERT_TRUE(ledger->record_sources({wifi}));
  Result<std::vector<SourceRecord>> half = ledger->sources();
  ASSERT_TRUE(half);
  ASSERT_EQ(half->size(), 1u);
  EXPECT_EQ((*half)[0].installed_at, 0) << "not every part is installed yet";
  EXPECT_EQ((*half)[0].parts, wifi.parts);

  confirm("com.example.wifi.part-2");
  ASSERT_TRUE(ledger->record_sources({wifi}));
  const std::int64_t first = ledger->sources()->at(0).installed_at;
  EXPECT_GT(first, 0);
  confirm("com.example.wifi.part-2");  // an update
  ASSERT_TRUE(ledger->record_sources({wifi}));
  EXPECT_EQ(ledger->sources()->at(0).installed_at, first);
  EXPECT_EQ(ledger->sources()->at(0).uuid, "SRC-UUID");
}

TEST_F(LedgerTest, DropsASourceOnceNoneOfItsPartsIsInstalled) {
  auto ledger = open();
  Result<std::int64_t> id = ledger->record_intent(install("com.example.a"));
  ASSERT_TRUE(id && ledger->mark_confirmed(*id));
  const SourceRecord a{
      .identifier = "com.example.a", .target = "fleet", .parts = {"com.example.a"}};
  ASSERT_TRUE(ledger->record_sources({a}));
  EXPECT_EQ(ledger->sources()->size(), 1u);
  ASSERT_TRUE(ledger->forget_installed("com.example.a", "fleet"));
  ASSERT_TRUE(ledger->record_sources({}));
  EXPECT_TRUE(ledger->sources()->empty());
}

TEST_F(LedgerTest, MigratesAnOlderLedgerOneStepAtATime) {
  const Migration v1{.version = 1, .description = "fake v0 to v1", .sql = "CREATE TABLE a (x)"};
  const Migration v2{.version = 2, .description = "v1 to v2", .sql = "CREATE TABLE b (y)"};
  EXPECT_EQ(open({.migrations = {v1}})->schema_version(), 1);
  EXPECT_EQ(open({.migrations = {v1, v2}})->schema_version(), 2);
  // Running the steps again would fail ("table a already exists"): they are not rerun.
  EXPECT_EQ(open({.migrations = {v1, v2}})->schema_version(), 2);
}

TEST_F(LedgerTest, AFailedMigrationLeavesTheLedgerAtItsOldVersion) {
  const Migration v1{.version = 1, .description = "v1", .sql = "CREATE TABLE a (x)"};
  const Migration broken{
      .version = 2, .description = "broken", .sql = "CREATE TABLE b (y); CREATE TABLE ("};
  open({.migrations = {v1}}).reset();
  Result<std::unique_ptr<Ledger>> failed = Ledger::open(path_, {.migrations = {v1, broken}});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().diagnostics[0].message.rfind(
                "ledger: migration to version 2 (broken) failed: ", 0),
            0u)
      << failed.error().format();
  // Table b was rolled back with the step: the fixed step can create it.
  const Migration fixed{.version = 2, .description = "fixed", .sql = "CREATE TABLE b (y)"};
  EXPECT_EQ(open({.migrations = {v1, fixed}})->schema_version(), 2);
}

TEST_F(LedgerTest, RefusesALedgerWrittenByANewerSchema) {
  const Migration v1{.version = 1, .description = "v1", .sql = "CREATE TABLE a (x)"};
  const Migration v2{.version = 2, .description = "v2", .sql = "CREATE TABLE b (y)"};
  open({.migrations = {v1, v2}}).reset();
  Result<std::unique_ptr<Ledger>> old = Ledger::open(path_, {.migrations = {v1}});
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, ExitCode::kDataError);
  EXPECT_EQ(old.error().diagnostics[0].message,
            "the ledger is at schema version 2, newer than this cmdm knows (1); use a newer cmdm");
}

TEST_F(LedgerTest, RefusesALedgerAtAVersionAfterTheNewest) {
  std::vector<Migration> steps = ledger_migrations();
  steps.push_back({.version = steps.back().version + 1,
                   .description = "a later step",
                   .sql = "CREATE TABLE c (z)"});
  open({.migrations = steps}).reset();
  Result<std::unique_ptr<Ledger>> now = Ledger::open(path_);
  ASSERT_FALSE(now);
  EXPECT_EQ(now.error().code, ExitCode::kDataError);
}

TEST_F(LedgerTest, RefusesAFileThatIsNotALedger) {
  std::filesystem::create_directory(dir_ + "/state");
  {
    std::ofstream junk(path_);
    junk << std::string(4096, 'x');
  }
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(path_);
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.error().code, ExitCode::kDataError);
}

// The child's loop: each cycle records, sends and confirms one intent, then reports its id on
// `report` only after mark_confirmed returned. Runs until killed.
[[noreturn]] void churn(const std::string& path, int report, int run) {
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(path, {.lock_timeout = 5s});
  if (!ledger) ::_exit(3);
  for (int n = 0;; ++n) {
    const std::string part = "run" + std::to_string(run) + ".part" + std::to_string(n);
    Result<std::int64_t> id = (*ledger)->record_intent({.part_identifier = part,
                                                        .profile_uuid = "U",
                                                        .digest = "D",
                                                        .target = "t",
                                                        .command_uuid = "C"});
    if (!id || !(*ledger)->mark_sent(*id) || !(*ledger)->mark_confirmed(*id)) ::_exit(4);
    if (::write(report, &*id, sizeof *id) != sizeof *id) ::_exit(5);
  }
}

TEST_F(LedgerTest, StaysConsistentWhenTheWriterIsKilledMidTransaction) {
  open().reset();
  std::mt19937 random(20261201);
  std::vector<std::int64_t> reported;
  for (int run = 0; run < 6; ++run) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(fds[0]);
      churn(path_, fds[1], run);
    }
    ::close(fds[1]);
    std::int64_t id = 0;
    // Let it complete a few cycles, then kill it at a random point of the next ones.
    for (int i = 0; i < 5 && ::read(fds[0], &id, sizeof id) == sizeof id; ++i)
      reported.push_back(id);
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 20'000));
    ::kill(child, SIGKILL);
    while (::read(fds[0], &id, sizeof id) == sizeof id) reported.push_back(id);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended by itself with " << status;
  }
  // The lock died with each child; the ledger is whole, and every intent the child saw confirmed
  // is confirmed, with its installed part.
  auto ledger = open({.lock_timeout = 1s});
  ASSERT_TRUE(ledger->check_integrity());
  for (std::int64_t id : reported) {
    EXPECT_EQ((*ledger->intent(id))->state, IntentState::kConfirmed) << "intent " << id;
  }
  EXPECT_LE(ledger->unfinished()->size(), 6u);  // at most the one each kill interrupted
  std::size_t confirmed = 0;
  for (std::int64_t id = 1; auto i = *ledger->intent(id); ++id) {
    confirmed += i->state == IntentState::kConfirmed;
  }
  EXPECT_GE(confirmed, reported.size());
  EXPECT_EQ(ledger->installed()->size(), confirmed);
}

}  // namespace
}  // namespace cmdm::dispatcher
