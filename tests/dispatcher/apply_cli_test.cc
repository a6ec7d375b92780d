// `cmdm apply` as a user runs it: the real binary, a configuration file, the device emulator
// (cmdm-fake-profiles) as ProfilesPath and a fake NanoMDM on 127.0.0.1.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "dispatcher/process.h"
#include "testworld/device_state.h"
#include "testworld/fake_mdm.h"
#include "testworld/fake_profiles.h"
#include "testworld/faults.h"

namespace cmdm::dispatcher {
namespace {

constexpr char kDevice[] = "CLI-DEVICE-0001";

class ApplyCli : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cmdm-apply-cli-XXXXXX";
    root_ = ::mkdtemp(pattern);
    device_ = root_ + "/device";
    Result<std::string> linked =
        testworld::make_device(device_, CMDM_TESTWORLD_BIN_DIR "/cmdm-fake-profiles");
    ASSERT_TRUE(linked) << linked.error().format();
    profiles_ = *linked;
    Result<std::unique_ptr<testworld::FakeMdm>> started = testworld::FakeMdm::start(
        {.vendor = testworld::Vendor::kNanoMdm, .devices = {{kDevice, device_}}, .threads = 2});
    ASSERT_TRUE(started) << started.error().format();
    server_ = std::move(*started);
    write_config();
    ProcessOutput built = cmdm(
        {"build", std::string(CMDM_SOURCE_DIR) + "/testdata/examples/safari-homepage.mobileconfig",
         std::string(CMDM_SOURCE_DIR) + "/testdata/examples/security-baseline.mobileconfig",
         "--target", "nanomdm", "-o", root_ + "/out"});
    ASSERT_EQ(built.exit_status, 0) << built.err;
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  void write_config(const std::string& key = "testworld-api-key") {
    std::string path = root_ + "/config.plist";
    std::ofstream(path)
        << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\n"
           "<key>Route</key><string>direct</string><key>Target</key><string>nanomdm</string>\n"
           "<key>ServerURL</key><string>"
        << server_->base_url()
        << "</string>\n"
           "<key>NanoMDM</key><dict><key>APIKey</key><string>"
        << key
        << "</string></dict>\n"
           "<key>DeviceID</key><string>"
        << kDevice
        << "</string>\n"
           "<key>Retries</key><dict><key>MaxAttempts</key><integer>2</integer>"
           "<key>BaseDelay</key><real>0.01</real></dict>\n"
           "<key>LedgerPath</key><string>"
        << root_
        << "/ledger/ledger.sqlite</string>\n"
           "<key>ProfilesPath</key><string>"
        << profiles_
        << "</string>\n"
           "</dict></plist>\n";
    ::chmod(path.c_str(), 0600);
  }

  ProcessOutput cmdm(std::vector<std::string> args) {
    args.insert(args.begin(), CMDM_BIN);
    Result<ProcessOutput> out =
        runner_->run({.argv = args, .environment = {"CMDM_CONFIG=" + root_ + "/config.plist"}});
    EXPECT_TRUE(out) << out.error().format();
    return out ? *out : ProcessOutput{.exit_status = -1};
  }

  std::string root_, device_, profiles_;  // profiles_: the device's DEVICE/bin/profiles
  std::unique_ptr<testworld::FakeMdm> server_;
  std::unique_ptr<ProcessRunner> runner_ = make_posix_process_runner();
};

TEST_F(ApplyCli, InstallsThroughTheMdmThenHasNothingToDo) {
  ProcessOutput first = cmdm({"apply", root_ + "/out"});
  EXPECT_EQ(first.exit_status, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("confirmed  install  com.example.safari.homepage"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("2 installed, 0 updated, 0 removed, 0 unchanged, 0 failed"),
            std::string::npos)
      << first.out;
  std::size_t requests = server_->stats().requests;
  EXPECT_EQ(requests, 2u);
  ProcessOutput second = cmdm({"apply", root_ + "/out", "--json"});
  EXPECT_EQ(second.exit_status, 0) << second.err;
  EXPECT_NE(second.out.find("\"unchanged\": 2"), std::string::npos) << second.out;
  EXPECT_EQ(server_->stats().requests, requests);
  ProcessOutput status = cmdm({"apply", "--status"});
  EXPECT_EQ(status.exit_status, 0) << status.err;
  EXPECT_NE(status.out.find("installed  nanomdm  com.example.baseline"), std::string::npos)
      << status.out;
}

TEST_F(ApplyCli, ExitsUnavailableWhenTheMdmIsDownAndCompletesLater) {
  server_->add_fault(*testworld::parse_fault("500:all"));
  ProcessOutput down = cmdm({"apply", root_ + "/out"});
  EXPECT_EQ(down.exit_status, 69) << down.out << down.err;
  EXPECT_EQ(down.err.find("testworld-api-key"), std::string::npos) << down.err;
  server_->clear_faults();
  ProcessOutput later = cmdm({"apply", root_ + "/out"});
  EXPECT_EQ(later.exit_status, 0) << later.out << later.err;
  for (const auto& [uuid, count] : server_->stats().by_command_uuid) EXPECT_EQ(count, 1u) << uuid;
}

TEST_F(ApplyCli, ExitsOneWhenAPartNeverShowsOnTheDevice) {
  server_->add_fault(*testworld::parse_fault("nodeliver:all"));
  ProcessOutput out =
      cmdm({"apply", root_ + "/out", "--confirm-timeout", "0.2", "--poll-interval", "0.05"});
  EXPECT_EQ(out.exit_status, 1) << out.out << out.err;
  EXPECT_NE(out.out.find("did not show the change"), std::string::npos) << out.out;
}

TEST_F(ApplyCli, ExitsNoPermissionAtTheFirstRefusalNamingTheKey) {
  write_config("wrong-key");
  ProcessOutput out = cmdm({"apply", root_ + "/out"});
  EXPECT_EQ(out.exit_status, 77) << out.out << out.err;
  EXPECT_NE(out.err.find("nanomdm refused the credentials"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("check NanoMDM APIKey in the configuration"), std::string::npos)
      << out.err;
  EXPECT_EQ(server_->stats().requests, 1u) << "the second part was tried";
}

TEST_F(ApplyCli, VerboseLogsEachRequestWithItsStatusAndTime) {
  ProcessOutput out = cmdm({"apply", root_ + "/out", "--verbose"});
  EXPECT_EQ(out.exit_status, 0) << out.err;
  std::regex line("apply: PUT http://127\\.0\\.0\\.1:[0-9]+/v1/enqueue/" + std::string(kDevice) +
                  " -> the server answered 200 \\([0-9]+ ms, attempt 1 of 2\\)\n");
  std::ptrdiff_t lines = std::distance(std::sregex_iterator(out.err.begin(), out.err.end(), line),
                                       std::sregex_iterator());
  EXPECT_EQ(lines, 2) << out.err;
  EXPECT_EQ(out.err.find("testworld-api-key"), std::string::npos);
}

TEST_F(ApplyCli, DryRunSendsNothing) {
  ProcessOutput out = cmdm({"apply", root_ + "/out", "--dry-run"});
  EXPECT_EQ(out.exit_status, 0) << out.err;
  EXPECT_NE(out.out.find("planned  install  com.example.baseline"), std::string::npos) << out.out;
  EXPECT_EQ(server_->stats().requests, 0u);
}

TEST_F(ApplyCli, ExitsWithTheDocumentedCodes) {
  EXPECT_EQ(cmdm({"apply"}).exit_status, 2);
  EXPECT_EQ(cmdm({"apply", root_ + "/out", "--poll-interval", "0"}).exit_status, 2);
  EXPECT_EQ(cmdm({"apply", root_ + "/out", "--config", root_ + "/missing.plist"}).exit_status, 74);
  std::ofstream(root_ + "/bad.plist")
      << "<plist><dict><key>Route</key><string>x</string></dict></plist>";
  ::chmod((root_ + "/bad.plist").c_str(), 0600);
  EXPECT_EQ(cmdm({"apply", root_ + "/out", "--config", root_ + "/bad.plist"}).exit_status, 65);
  EXPECT_EQ(cmdm({"apply", root_ + "/nothing-here"}).exit_status, 74);
}

}  // namespace
}  // namespace cmdm::dispatcher
