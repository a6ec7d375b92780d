// Fault injection: each fault does what it says to the next requests, then the server answers
// normally again; faults can be set by flag, in-process and over HTTP at run time.
#include "testworld/faults.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "emitters/targets.h"
#include "tests/testworld/http_client.h"
#include "tests/testworld/testworld_util.h"
#include "testworld/fake_mdm.h"

namespace cmdm::testworld {
namespace {

using testing::HttpCall;
using testing::HttpReply;
using Clock = std::chrono::steady_clock;

constexpr const char* kDevice = "5A1C0FFE-0000-4000-8000-00000000D0E5";

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeMdmOptions options{.vendor = Vendor::kMicroMdm};
    options.devices[kDevice] = dir_.file("device");
    auto server = FakeMdm::start(options);
    ASSERT_TRUE(server.ok()) << server.error().format();
    server_ = std::move(*server);
    device_.emplace(std::move(*DeviceState::open(dir_.file("device"))));
  }
  HttpReply install(int timeout_ms = 5000) {
    const emitters::Target* t = *emitters::find_target("micromdm");
    std::string body = t->fill_device_id(
        t->install_body({.profile = testing::sample_profile(), .identifier = "x"}), kDevice);
    return testing::http(
        server_->port(),
        {.path = "/v1/commands",
         .body = body,
         .headers = {{"Authorization", testing::basic_auth("micromdm", "testworld-api-key")}},
         .timeout_ms = timeout_ms});
  }
  std::size_t installed() { return device_->list()->size(); }

  testing::ScratchDir dir_;
  std::unique_ptr<FakeMdm> server_;
  std::optional<DeviceState> device_;
};

TEST(Fault, ParsesTheTextForm) {
  Result<Fault> f = parse_fault("429:2:retry=7");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, Fault::Kind::kTooManyRequests);
  EXPECT_EQ(f->count, 2);
  EXPECT_EQ(f->retry_after_s, 7);
  EXPECT_EQ(fault_text(*f), "429:2:retry=7");
  EXPECT_EQ(parse_fault("timeout")->delay_ms, 30000);
  EXPECT_EQ(parse_fault("nodeliver:all")->count, -1);
  EXPECT_EQ(fault_text(*parse_fault("slow:1:ms=250")), "slow:1:ms=250");
  Result<Fault> bad = parse_fault("503:1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ExitCode::kUsage);
  EXPECT_FALSE(parse_fault("500:0").ok());
  EXPECT_FALSE(parse_fault("slow:1:ms=-4").ok());
}

TEST(FaultPlan, UsesFaultsInOrderForTheirCounts) {
  FaultPlan plan;
  plan.add(*parse_fault("500:2"));
  plan.add(*parse_fault("reset:1"));
  EXPECT_EQ(plan.next()->kind, Fault::Kind::kServerError);
  EXPECT_EQ(plan.next()->kind, Fault::Kind::kServerError);
  EXPECT_EQ(plan.next()->kind, Fault::Kind::kReset);
  EXPECT_FALSE(plan.next().has_value());
}

TEST_F(FaultsTest, ServerErrorsForTheNextRequestsThenNormalAnswers) {
  server_->add_fault(*parse_fault("500:2"));
  EXPECT_EQ(install().status, 500);
  EXPECT_EQ(install().status, 500);
  EXPECT_EQ(installed(), 0u);
  EXPECT_EQ(install().status, 201);
  EXPECT_EQ(installed(), 1u);
  EXPECT_EQ(server_->stats().faults, 2u);
  EXPECT_EQ(server_->stats().requests, 3u);
}

TEST_F(FaultsTest, TooManyRequestsCarriesRetryAfter) {
  server_->add_fault(*parse_fault("429:1:retry=3"));
  HttpReply r = install();
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["Retry-After"], "3");
  EXPECT_EQ(installed(), 0u);
}

TEST_F(FaultsTest, ResetClosesTheConnectionWithoutAnAnswer) {
  server_->add_fault(*parse_fault("reset:1"));
  HttpReply r = install();
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(installed(), 0u);
  EXPECT_EQ(install().status, 201);
}

TEST_F(FaultsTest, SlowAnswersNormallyAfterTheDelay) {
  server_->add_fault(*parse_fault("slow:1:ms=400"));
  auto start = Clock::now();
  EXPECT_EQ(install().status, 201);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(400));
  EXPECT_EQ(installed(), 1u);
}

TEST_F(FaultsTest, TimeoutOutlastsTheClientAndStopStillReturnsPromptly) {
  server_->add_fault(*parse_fault("timeout:1:ms=20000"));
  auto start = Clock::now();
  HttpReply r = install(/*timeout_ms=*/300);
  EXPECT_EQ(r.status, 0);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(5000));
  EXPECT_EQ(installed(), 0u);
  start = Clock::now();
  server_->stop();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(5000));
}

TEST_F(FaultsTest, NoDeliveryAcceptsButTheDeviceNeverSeesIt) {
  server_->add_fault(*parse_fault("nodeliver:1"));
  EXPECT_EQ(install().status, 201);
  EXPECT_EQ(installed(), 0u);
  EXPECT_EQ(server_->stats().undelivered, 1u);
  EXPECT_EQ(install().status, 201);
  EXPECT_EQ(installed(), 1u);
}

TEST_F(FaultsTest, FaultsCanBeSetAndClearedOverHttpWhileRunning) {
  int port = server_->port();
  HttpReply set = testing::http(port, {.path = "/_fake/faults", .body = "500:1\n429:1"});
  ASSERT_EQ(set.status, 200);
  EXPECT_EQ(nlohmann::json::parse(set.body)["faults"].size(), 2u);
  EXPECT_EQ(install().status, 500);
  HttpReply cleared = testing::http(port, {.method = "DELETE", .path = "/_fake/faults"});
  EXPECT_EQ(cleared.status, 200);
  EXPECT_EQ(install().status, 201);
  HttpReply bad = testing::http(port, {.path = "/_fake/faults", .body = "explode:1"});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("unknown kind"), std::string::npos);
}

// The executable: prints its port, honours --fault, stops cleanly on SIGTERM.
TEST(FakeMdmProcess, PrintsItsPortServesAndStopsOnSigterm) {
  testing::ScratchDir dir;
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  std::string tool = testing::tool_path("cmdm-fake-mdm");
  std::string device = dir.file("device");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(tool.c_str(), tool.c_str(), "--vendor", "fleet", "--device-dir", device.c_str(), "--udid",
          kDevice, "--fault", "500:1", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  int port = std::atoi(line.c_str());
  ASSERT_GT(port, 0) << "no port printed: \"" << line << "\"";
  HttpCall call{.path = "/api/v1/fleet/commands/run",
                .body = "{}",
                .headers = {{"Authorization", "Bearer testworld-token"}}};
  EXPECT_EQ(testing::http(port, call).status, 500);  // the injected fault
  EXPECT_EQ(testing::http(port, call).status, 400);  // then Fleet's own answer
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace cmdm::testworld
