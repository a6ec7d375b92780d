#include "dispatcher/process.h"

#include <gtest/gtest.h>

#include <chrono>

namespace cmdm::dispatcher {
namespace {

using namespace std::chrono_literals;

class PosixProcessRunnerTest : public ::testing::Test {
 protected:
  std::unique_ptr<ProcessRunner> runner_ = make_posix_process_runner();
};

TEST_F(PosixProcessRunnerTest, CapturesBothOutputsAndTheExitStatus) {
  Result<ProcessOutput> out =
      runner_->run({.argv = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}});
  ASSERT_TRUE(out) << out.error().format();
  EXPECT_EQ(out->out, "out\n");
  EXPECT_EQ(out->err, "err\n");
  EXPECT_EQ(out->exit_status, 3);
}

TEST_F(PosixProcessRunnerTest, PassesArgumentsWithoutAShell) {
  Result<ProcessOutput> out = runner_->run({.argv = {"/bin/echo", "$HOME", "a b", ";", "`id`"}});
  ASSERT_TRUE(out) << out.error().format();
  EXPECT_EQ(out->out, "$HOME a b ; `id`\n");
}

TEST_F(PosixProcessRunnerTest, GivesTheToolOnlyAFixedEnvironment) {
  ::setenv("CMDM_TEST_SECRET", "hunter2", 1);
  Result<ProcessOutput> out = runner_->run({.argv = {"/usr/bin/env"}});
  ::unsetenv("CMDM_TEST_SECRET");
  ASSERT_TRUE(out) << out.error().format();
  EXPECT_EQ(out->out, "PATH=/usr/bin:/bin:/usr/sbin:/sbin\nLC_ALL=C\n");
}

TEST_F(PosixProcessRunnerTest, AddsOnlyTheEnvironmentTheRequestCarries) {
  Result<ProcessOutput> out =
      runner_->run({.argv = {"/usr/bin/env"}, .environment = {"CMDM_CONFIG=/tmp/mac1.plist"}});
  ASSERT_TRUE(out) << out.error().format();
  EXPECT_EQ(out->out,
            "PATH=/usr/bin:/bin:/usr/sbin:/sbin\nLC_ALL=C\nCMDM_CONFIG=/tmp/mac1.plist\n");
}

TEST_F(PosixProcessRunnerTest, GivesTheToolAnEmptyStandardInput) {
  Result<ProcessOutput> out = runner_->run({.argv = {"/bin/cat"}, .timeout = 5s});
  ASSERT_TRUE(out) << out.error().format();
  EXPECT_EQ(out->out, "");
}

TEST_F(PosixProcessRunnerTest, KillsAToolThatRunsPastItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessOutput> out = runner_->run({.argv = {"/bin/sleep", "30"}, .timeout = 200ms});
  ASSERT_FALSE(out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(out.error().code, ExitCode::kUnavailable);
  EXPECT_EQ(out.error().diagnostics[0].message,
            "`/bin/sleep 30` did not finish within 200 ms and was killed");
}

TEST_F(PosixProcessRunnerTest, KillsAToolThatClosesItsOutputsAndKeepsRunning) {
  Result<ProcessOutput> out =
      runner_->run({.argv = {"/bin/sh", "-c", "exec >/dev/null 2>&1; sleep 30"}, .timeout = 300ms});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ExitCode::kUnavailable);
}

TEST_F(PosixProcessRunnerTest, KillsWhatTheToolStartedWhenItTimesOut) {
  // The grandchild holds the pipe open; without killing the whole group the run would wait for it.
  const auto start = std::chrono::steady_clock::now();
  Result<ProcessOutput> out =
      runner_->run({.argv = {"/bin/sh", "-c", "sleep 30 & sleep 30"}, .timeout = 200ms});
  ASSERT_FALSE(out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(PosixProcessRunnerTest, KillsAToolThatWritesMoreThanTheLimit) {
  Result<ProcessOutput> out =
      runner_->run({.argv = {"/usr/bin/yes"}, .timeout = 10s, .max_output_bytes = 100000});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ExitCode::kDataError);
  EXPECT_EQ(out.error().diagnostics[0].message,
            "`/usr/bin/yes` wrote more than 100000 bytes and was killed");
}

TEST_F(PosixProcessRunnerTest, ReportsAToolEndedByASignal) {
  Result<ProcessOutput> out = runner_->run({.argv = {"/bin/sh", "-c", "kill -9 $$"}});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().diagnostics[0].message, "`/bin/sh -c 'kill -9 $$'` was ended by signal 9");
}

TEST_F(PosixProcessRunnerTest, ReportsAMissingToolAsUnavailable) {
  Result<ProcessOutput> out = runner_->run({.argv = {"/nonexistent/profiles", "show"}});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ExitCode::kUnavailable);
  EXPECT_EQ(out.error().diagnostics[0].message,
            "cannot run `/nonexistent/profiles show`: No such file or directory");
}

TEST_F(PosixProcessRunnerTest, RefusesARelativeToolPath) {
  // A relative name would be looked up in the current directory, which an attacker may own.
  Result<ProcessOutput> out = runner_->run({.argv = {"profiles", "show"}});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().diagnostics[0].message,
            "cannot run `profiles show`: the tool's path must be absolute");
}

}  // namespace
}  // namespace cmdm::dispatcher
