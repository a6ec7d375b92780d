// End to end, in one process: builds real sources with the pipeline, serves them through a fake
// vendor (testworld/fake_mdm.h) that delivers into an emulated device, lists that device through
// the real `profiles` parser, and applies.
#include "dispatcher/apply.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "dispatcher/plan.h"
#include "pipeline/build.h"
#include "plist/file_io.h"
#include "signer/signer.h"
#include "testworld/device_lister.h"
#include "testworld/device_state.h"
#include "testworld/fake_mdm.h"
#include "testworld/fake_profiles.h"
#include "testworld/faults.h"

namespace cmdm::dispatcher {
namespace {

constexpr char kUdid[] = "5A1C0000-1111-4222-8333-444455556666";
constexpr char kSerial[] = "C02XK1ABJGH5";

// Distinct, recognisable UUIDs, so duplicates at the server would show.
class CountingUuids : public emitters::UuidSource {
 public:
  std::string next() override {
    char text[37];
    std::snprintf(text, sizeof text, "A0000000-0000-4000-8000-%012d", ++n_);
    return text;
  }

 private:
  int n_ = 0;
};

// A profile with `payloads` payloads of distinct types, each carrying `value`.
std::string profile_text(const std::string& identifier, int payloads, const std::string& value) {
  static const char* kTypes[] = {"com.apple.Safari", "com.apple.dock", "com.apple.screensaver",
                                 "com.apple.finder"};
  std::size_t seed = std::hash<std::string>{}(identifier) % 0xFFFFFF;
  auto uuid = [&](int i) {
    char text[37];
    std::snprintf(text, sizeof text, "%08zX-0000-4000-8000-%012d", seed, i);
    return std::string(text);
  };
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
      "<key>PayloadContent</key>\n<array>\n";
  for (int i = 0; i < payloads; ++i) {
    xml += "<dict><key>Setting</key><string>" + value +
           "</string>"
           "<key>PayloadIdentifier</key><string>" +
           identifier + ".p" + std::to_string(i) + "</string><key>PayloadType</key><string>" +
           kTypes[i % 4] + "</string><key>PayloadUUID</key><string>" + uuid(i + 1) +
           "</string><key>PayloadVersion</key><integer>1</integer></dict>\n";
  }
  xml += "</array>\n<key>PayloadDisplayName</key><string>" + identifier +
         "</string>\n<key>PayloadIdentifier</key><string>" + identifier +
         "</string>\n<key>PayloadType</key><string>Configuration</string>\n"
         "<key>PayloadUUID</key><string>" +
         uuid(0) + "</string>\n<key>PayloadVersion</key><integer>1</integer>\n</dict>\n</plist>\n";
  return xml;
}

class ApplyWorld {
 public:
  // `target`: the build's and the configuration's target; the vendor's own name when empty.
  explicit ApplyWorld(testworld::Vendor vendor, std::string target = "")
      : vendor_(vendor),
        target_(target.empty() ? std::string(testworld::vendor_name(vendor)) : target) {
    char pattern[] = "/tmp/cmdm-apply-test-XXXXXX";
    root_ = ::mkdtemp(pattern);
    std::filesystem::create_directories(root_ + "/src");
    device_dir_ = root_ + "/device";
    EXPECT_TRUE(testworld::DeviceState::open(device_dir_));
    start_server();
  }
  ~ApplyWorld() {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  void start_server() {
    testworld::FakeMdmOptions options{.vendor = vendor_,
                                      .devices = {{kUdid, device_dir_}},
                                      .serials = {{kSerial, kUdid}},
                                      .threads = 2};
    options.user_channels = user_channels;
    Result<std::unique_ptr<testworld::FakeMdm>> started = testworld::FakeMdm::start(options);
    ASSERT_TRUE(started) << started.error().format();
    server_ = std::move(*started);
  }
  testworld::FakeMdm& server() { return *server_; }
  void restart_server() {
    server_.reset();
    start_server();
  }
  void stop_server() { server_->stop(); }

  void write_source(const std::string& name, const std::string& text) {
    std::ofstream(root_ + "/src/" + name) << text;
  }
  void remove_source(const std::string& name) { std::filesystem::remove(root_ + "/src/" + name); }

  // `cmdm build src/* --target VENDOR [--limit N] -o OUT`, returning the manifest's parts.
  std::vector<std::string> build(std::size_t limit = 0) {
    pipeline::BuildOptions options;
    options.targets = {*emitters::find_target(target_)};
    options.limit = limit;
    options.identity = identity;
    std::vector<std::string> sources;
    for (const auto& entry : std::filesystem::directory_iterator(root_ + "/src")) {
      sources.push_back(entry.path().string());
    }
    std::sort(sources.begin(), sources.end());
    Result<pipeline::BuildRun> run = pipeline::run_build(sources, out(), bundle, options);
    EXPECT_TRUE(run) << run.error().format();
    std::vector<std::string> parts;
    if (!run) return parts;
    for (const auto& source : run->output.manifest.sources) {
      for (const auto& part : source.parts) parts.push_back(part.identifier);
    }
    return parts;
  }

  Result<ApplySummary> apply(bool dry_run = false) {
    Result<std::unique_ptr<Ledger>> ledger = Ledger::open(ledger_path());
    if (!ledger) return ledger.error();
    std::unique_ptr<ProfileLister> lister = testworld::make_device_lister(device_dir_);
    std::unique_ptr<Transport> transport =
        make_curl_transport({.connect_timeout = std::chrono::milliseconds(2000),
                             .timeout = std::chrono::milliseconds(5000),
                             .retry = {.max_attempts = 3,
                                       .base_delay = std::chrono::milliseconds(1),
                                       .max_delay = std::chrono::milliseconds(5)}});
    ApplyOptions options{.input = input.empty() ? out() : input,
                         .anchors = anchors,
                         .config = config(),
                         .device_id = device_id,
                         .device_id_is_serial = device_id_is_serial,
                         .dry_run = dry_run,
                         .poll_interval = std::chrono::milliseconds(20),
                         .confirm_timeout = std::chrono::milliseconds(2000)};
    options.sleep = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
    options.facts = [this]() -> Result<DeviceFacts> { return facts; };
    options.installer = installer;
    return dispatcher::apply(options, **ledger, *lister, *transport, uuids_);
  }

  DispatcherConfig config() const {
    DispatcherConfig c;
    c.target = target_;
    c.server_url = server_->base_url();
    testworld::Credentials cred = testworld::default_credentials(vendor_);
    c.nanomdm_api_key = c.micromdm_api_key = Secret(cred.password);
    c.fleet_token = Secret(cred.token);
    c.workspace_one = WorkspaceOneCredentials{.username = cred.username,
                                              .password = Secret(cred.password),
                                              .tenant_code = Secret(cred.tenant_code)};
    c.ledger_path = ledger_path();
    if (adjust_config) adjust_config(c);
    return c;
  }

  std::set<std::string> device_profiles() {
    std::unique_ptr<ProfileLister> lister = testworld::make_device_lister(device_dir_);
    Result<std::vector<InstalledProfile>> listing = lister->list();
    std::set<std::string> ids;
    if (!listing) {
      ADD_FAILURE() << listing.error().format();
      return ids;
    }
    for (const InstalledProfile& p : listing.value()) ids.insert(p.identifier);
    return ids;
  }

  std::string out() const { return root_ + "/out"; }
  std::string ledger_path() const { return root_ + "/ledger/ledger.sqlite"; }
  const std::string& device_dir() const { return device_dir_; }
  std::string input;                                     // a bundle instead of OUT, when set
  std::vector<std::string> anchors;                      // --ca
  const signer::Identity* identity = nullptr;            // sign the build
  bool bundle = false;                                   // build OUT/bundle.cmdm too
  std::function<void(DispatcherConfig&)> adjust_config;  // after the vendor's test defaults
  std::string device_id = kUdid;
  bool device_id_is_serial = false;
  DeviceFacts facts{.os_version = "14.5", .serial_number = kSerial, .udid = kUdid};
  LocalInstaller* installer = nullptr;
  std::map<std::string, testworld::FakeMdmOptions::UserChannel> user_channels;  // before start

 private:
  testworld::Vendor vendor_;
  std::string target_;
  std::string root_;
  std::string device_dir_;
  std::unique_ptr<testworld::FakeMdm> server_;
  CountingUuids uuids_;
};

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// The Setting value the device's profile `identifier` carries (profile_text's content).
std::string device_setting(ApplyWorld& world, const std::string& identifier) {
  Result<testworld::DeviceState> device = testworld::DeviceState::open(world.device_dir());
  Result<std::vector<testworld::InstalledProfile>> listing = device->list();
  if (!listing) return "";
  for (const testworld::InstalledProfile& p : *listing) {
    if (p.identifier != identifier) continue;
    const plist::Value* content = p.profile.get("PayloadContent");
    const std::string* setting = content->as_array()[0].get_string("Setting");
    return setting ? *setting : "";
  }
  return "";
}

void expect_no_repeated_command_uuid(const testworld::FakeMdmStats& stats) {
  for (const auto& [uuid, count] : stats.by_command_uuid) EXPECT_EQ(count, 1u) << uuid;
}

class ApplyEveryVendor : public testing::TestWithParam<testworld::Vendor> {};

TEST_P(ApplyEveryVendor, InstallsEveryPartThenSendsNothingWhenNothingChanged) {
  ApplyWorld world(GetParam());
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.write_source("b.mobileconfig", profile_text("com.example.b", 2, "two"));
  std::vector<std::string> parts = world.build();
  Result<ApplySummary> first = world.apply();
  ASSERT_TRUE(first) << first.error().format();
  EXPECT_EQ(first->installed, parts.size());
  EXPECT_EQ(first->failed, 0u);
  EXPECT_EQ(world.device_profiles(), as_set(parts));
  std::size_t requests = world.server().stats().requests;
  EXPECT_EQ(requests, parts.size());

  Result<ApplySummary> second = world.apply();
  ASSERT_TRUE(second) << second.error().format();
  EXPECT_EQ(second->unchanged, parts.size());
  EXPECT_EQ(second->requests, 0u);
  EXPECT_EQ(world.server().stats().requests, requests);
  expect_no_repeated_command_uuid(world.server().stats());
}

INSTANTIATE_TEST_SUITE_P(Vendors, ApplyEveryVendor,
                         testing::Values(testworld::Vendor::kNanoMdm, testworld::Vendor::kMicroMdm,
                                         testworld::Vendor::kFleet,
                                         testworld::Vendor::kWorkspaceOne),
                         [](const auto& info) {
                           return std::string(testworld::vendor_name(info.param));
                         });

TEST(Apply, UpdatesOnlyThePartOfTheSourceThatChanged) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.write_source("b.mobileconfig", profile_text("com.example.b", 1, "two"));
  world.build();
  ASSERT_TRUE(world.apply());
  std::size_t before = world.server().stats().requests;
  world.write_source("b.mobileconfig", profile_text("com.example.b", 1, "changed"));
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->updated, 1u);
  EXPECT_EQ(summary->unchanged, 1u);
  EXPECT_EQ(world.server().stats().requests, before + 1);
}

TEST(Apply, AnUpdateThatKeepsThePayloadUuidIsConfirmedOnlyByANewInstallDate) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  ASSERT_TRUE(world.apply());
  // Same identifier and PayloadUUID, new content; the MDM takes it but the device never gets it.
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "two"));
  world.build();
  world.server().add_fault(*testworld::parse_fault("nodeliver:1"));
  Result<ApplySummary> lost = world.apply();
  ASSERT_TRUE(lost) << lost.error().format();
  EXPECT_EQ(lost->updated, 0u);
  EXPECT_EQ(lost->failed, 1u) << "the old profile's listing was taken for the update";
  Result<ApplySummary> next = world.apply();
  ASSERT_TRUE(next) << next.error().format();
  EXPECT_EQ(next->updated, 1u);
  EXPECT_EQ(device_setting(world, "com.example.a"), "two");
}

TEST(Apply, RemovesStalePartsAfterAReSplitAndAfterAnUnsplit) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 4, std::string(300, 'x')));
  std::vector<std::string> whole = world.build();
  ASSERT_EQ(whole.size(), 1u);
  ASSERT_TRUE(world.apply());
  std::vector<std::string> split = world.build(2600);
  ASSERT_GT(split.size(), 1u) << "the limit no longer splits the source";
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(world.device_profiles(), as_set(split));
  EXPECT_EQ(summary->failed, 0u);
  world.build();
  Result<ApplySummary> unsplit = world.apply();
  ASSERT_TRUE(unsplit) << unsplit.error().format();
  EXPECT_EQ(world.device_profiles(), as_set(whole));
  EXPECT_EQ(unsplit->removed + unsplit->unchanged + unsplit->updated + unsplit->installed,
            split.size() + (as_set(split).contains(whole[0]) ? 0 : 1));
}

TEST(Apply, RemovesTheProfilesOfARemovedSourceButNotSomeoneElses) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  Result<testworld::DeviceState> device = testworld::DeviceState::open(world.device_dir());
  ASSERT_TRUE(device);
  ASSERT_TRUE(device->install(profile_text("com.someone.else", 1, "mine"), 1,
                              testworld::InstallSource::kMdm));
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.write_source("b.mobileconfig", profile_text("com.example.b", 1, "two"));
  world.build();
  ASSERT_TRUE(world.apply());
  world.remove_source("b.mobileconfig");
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->removed, 1u);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.a", "com.someone.else"}));
}

TEST(Apply, SaysInPlainWordsWhenWorkspaceOneRefusesACommandAsTooLarge) {
  ApplyWorld world(testworld::Vendor::kWorkspaceOne);
  world.write_source("big.mobileconfig",
                     profile_text("com.example.big", 2, std::string(3000, 'x')));
  world.write_source("small.mobileconfig", profile_text("com.example.small", 1, "s"));
  world.build(/*limit=*/100000);  // a build that believes the vendor takes more than it does
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->failed, 1u);
  EXPECT_EQ(summary->installed, 1u);
  bool said = false;
  for (const PartOutcome& p : summary->parts) {
    if (p.identifier != "com.example.big") continue;
    EXPECT_EQ(p.result, "failed");
    said = p.detail.find("over workspaceone's limit of 2,000 characters") != std::string::npos &&
           p.detail.find("1012") != std::string::npos;
    EXPECT_TRUE(said) << p.detail;
  }
  EXPECT_TRUE(said);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.small"}));
}

// Workspace ONE with OAuth2 client credentials against the fake's token service.
void use_workspace_one_oauth(ApplyWorld& world, std::string client_secret) {
  world.adjust_config = [&world, client_secret](DispatcherConfig& c) {
    testworld::Credentials cred = testworld::default_credentials(testworld::Vendor::kWorkspaceOne);
    c.workspace_one =
        WorkspaceOneCredentials{.client_id = cred.client_id,
                                .client_secret = Secret(client_secret),
                                .token_url = world.server().base_url() + "/connect/token"};
  };
}

TEST(Apply, WorkspaceOneOAuthAsksForOneTokenForManySendsAndANextRunReusesIt) {
  ApplyWorld world(testworld::Vendor::kWorkspaceOne);
  use_workspace_one_oauth(world, "testworld-client-secret");
  for (const char* name : {"a", "b", "c"}) {
    world.write_source(std::string(name) + ".mobileconfig",
                       profile_text(std::string("com.example.") + name, 1, name));
  }
  world.build();
  Result<ApplySummary> first = world.apply();
  ASSERT_TRUE(first) << first.error().format();
  EXPECT_EQ(first->installed, 3u);
  EXPECT_EQ(world.server().stats().token_requests, 1u);
  struct stat st {};
  ASSERT_EQ(::stat((world.ledger_path() + ".oauth-token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  world.write_source("d.mobileconfig", profile_text("com.example.d", 1, "d"));
  world.build();
  Result<ApplySummary> second = world.apply();
  ASSERT_TRUE(second) << second.error().format();
  EXPECT_EQ(second->installed, 1u);
  EXPECT_EQ(world.server().stats().token_requests, 1u) << "the cached token was not reused";
}

TEST(Apply, WorkspaceOneOAuthReplacesATokenTheServerNoLongerTakes) {
  ApplyWorld world(testworld::Vendor::kWorkspaceOne);
  use_workspace_one_oauth(world, "testworld-client-secret");
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  ASSERT_TRUE(world.apply());
  world.server().expire_tokens();
  world.write_source("b.mobileconfig", profile_text("com.example.b", 1, "two"));
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->installed, 1u);
  EXPECT_EQ(world.server().stats().token_requests, 2u);
  EXPECT_EQ(world.server().stats().by_status[401], 1u);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.a", "com.example.b"}));
}

TEST(Apply, AWrongClientSecretStopsTheRunNamingTheKeysToCheck) {
  ApplyWorld world(testworld::Vendor::kWorkspaceOne);
  use_workspace_one_oauth(world, "not-the-secret");
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.write_source("b.mobileconfig", profile_text("com.example.b", 1, "two"));
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().code, ExitCode::kNoPermission);
  std::string message = summary.error().format();
  EXPECT_NE(message.find("refused the client credentials"), std::string::npos) << message;
  EXPECT_NE(message.find("check WorkspaceONE ClientID and ClientSecret"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("not-the-secret"), std::string::npos) << message;
  EXPECT_EQ(world.server().stats().requests, 1u) << "only the one token request";
  EXPECT_TRUE(world.device_profiles().empty());
}

TEST(Apply, RefusedCredentialsStopTheRunBeforeAnyOtherPartIsTried) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.adjust_config = [](DispatcherConfig& c) { c.nanomdm_api_key = Secret("wrong-key"); };
  for (const char* name : {"a", "b", "c"}) {
    world.write_source(std::string(name) + ".mobileconfig",
                       profile_text(std::string("com.example.") + name, 1, name));
  }
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().code, ExitCode::kNoPermission);
  EXPECT_NE(summary.error().format().find("check NanoMDM APIKey in the configuration"),
            std::string::npos)
      << summary.error().format();
  EXPECT_EQ(world.server().stats().requests, 1u);
  world.adjust_config = nullptr;
  Result<ApplySummary> fixed = world.apply();
  ASSERT_TRUE(fixed) << fixed.error().format();
  EXPECT_EQ(fixed->installed, 3u) << "the refused part is sent again once the key is right";
}

TEST(Apply, RetriesServerErrorsAndCompletes) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  world.server().add_fault(*testworld::parse_fault("500:2"));
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->installed, 1u);
  EXPECT_EQ(world.server().stats().faults, 2u);
}

TEST(Apply, StopsWithUnavailableWhenTheServerIsDownAndALaterApplyCompletes) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.write_source("b.mobileconfig", profile_text("com.example.b", 1, "two"));
  world.build();
  world.server().add_fault(*testworld::parse_fault("500:all"));
  Result<ApplySummary> down = world.apply();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ExitCode::kUnavailable);
  world.server().clear_faults();
  Result<ApplySummary> later = world.apply();
  ASSERT_TRUE(later) << later.error().format();
  EXPECT_EQ(later->installed, 2u);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.a", "com.example.b"}));
  expect_no_repeated_command_uuid(world.server().stats());
}

TEST(Apply, IsUnavailableWhenNothingListens) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  world.stop_server();
  Result<ApplySummary> summary = world.apply();
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().code, ExitCode::kUnavailable);
}

TEST(Apply, DryRunPlansAndSendsNothing) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  Result<ApplySummary> summary = world.apply(/*dry_run=*/true);
  ASSERT_TRUE(summary) << summary.error().format();
  ASSERT_EQ(summary->parts.size(), 1u);
  EXPECT_EQ(summary->parts[0].action, "install");
  EXPECT_EQ(summary->parts[0].result, "planned");
  EXPECT_TRUE(summary->dry_run);
  EXPECT_EQ(summary->installed, 1u);
  EXPECT_EQ(world.server().stats().requests, 0u);
  EXPECT_TRUE(world.device_profiles().empty());
}

TEST(Apply, FailsAPartTheDeviceNeverShows) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  world.server().add_fault(*testworld::parse_fault("nodeliver"));
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->failed, 1u);
  EXPECT_FALSE(summary->ok());
  Result<ApplySummary> again = world.apply();
  ASSERT_TRUE(again) << again.error().format();
  EXPECT_EQ(again->installed, 1u);
  expect_no_repeated_command_uuid(world.server().stats());
}

TEST(Apply, ReconcilesAnIntentAnEarlierRunLeftUnfinished) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  {  // a run that wrote its intent and was killed before sending
    Result<std::unique_ptr<Ledger>> ledger = Ledger::open(world.ledger_path());
    ASSERT_TRUE(ledger);
    ASSERT_TRUE((*ledger)->record_intent({.part_identifier = "com.example.a",
                                          .profile_uuid = "X",
                                          .target = "nanomdm",
                                          .command_uuid = "B0000000-0000-4000-8000-000000000001"}));
  }
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  ASSERT_GE(summary->parts.size(), 2u);
  EXPECT_EQ(summary->parts[0].result, "abandoned");
  EXPECT_EQ(summary->installed, 1u);
  EXPECT_FALSE(
      world.server().stats().by_command_uuid.contains("B0000000-0000-4000-8000-000000000001"));
}

TEST(Apply, ConfirmsASentIntentTheDeviceShowsWithoutSendingItAgain) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  Result<std::string> manifest_json = read_file(world.out() + "/manifest.json");
  ASSERT_TRUE(manifest_json);
  Result<emitters::Manifest> manifest = emitters::read_manifest(*manifest_json);
  ASSERT_TRUE(manifest) << manifest.error().format();
  const emitters::Part& part = manifest->sources[0].parts[0];
  {  // a run killed after the MDM took the command, before it confirmed
    Result<std::unique_ptr<Ledger>> ledger = Ledger::open(world.ledger_path());
    ASSERT_TRUE(ledger);
    Result<std::int64_t> id =
        (*ledger)->record_intent({.part_identifier = part.identifier,
                                  .profile_uuid = part.uuid,
                                  .digest = part.digest,
                                  .target = "nanomdm",
                                  .command_uuid = "B0000000-0000-4000-8000-000000000002"});
    ASSERT_TRUE(id);
    ASSERT_TRUE((*ledger)->mark_sent(*id));
  }
  Result<testworld::DeviceState> device = testworld::DeviceState::open(world.device_dir());
  ASSERT_TRUE(device);
  ASSERT_TRUE(device->install(*read_file(world.out() + "/" + part.profile), 1,
                              testworld::InstallSource::kMdm));
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  ASSERT_EQ(summary->parts.size(), 2u);
  EXPECT_EQ(summary->parts[0].result, "reconciled");
  EXPECT_EQ(summary->parts[1].result, "unchanged");
  EXPECT_EQ(world.server().stats().requests, 0u);
}

signer::Identity test_identity() {
  std::string keys = std::string(CMDM_SOURCE_DIR) + "/testdata/examples/keys/";
  Result<signer::Identity> identity =
      signer::load_identity({.key = *read_file(keys + "test-only-key.pem"),
                             .cert = *read_file(keys + "test-only-cert.pem")});
  EXPECT_TRUE(identity) << identity.error().format();
  return *identity;
}

TEST(Apply, AppliesABundleSignedByATrustedCertificate) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  signer::Identity identity = test_identity();
  world.identity = &identity;
  world.bundle = true;
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  world.input = world.out() + "/bundle.cmdm";
  world.anchors = {
      *read_file(std::string(CMDM_SOURCE_DIR) + "/testdata/examples/keys/test-only-cert.pem")};
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->installed, 1u);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.a"}));
}

TEST(Apply, RefusesAnUnsignedBuildWhenItMustBeSigned) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  world.anchors = {
      *read_file(std::string(CMDM_SOURCE_DIR) + "/testdata/examples/keys/test-only-cert.pem")};
  Result<ApplySummary> summary = world.apply();
  ASSERT_FALSE(summary);
  EXPECT_NE(summary.error().code, ExitCode::kOk);
  EXPECT_EQ(world.server().stats().requests, 0u);
}

TEST(Apply, RefusesABuildWithoutTheConfiguredTarget) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  ApplyWorld other(testworld::Vendor::kMicroMdm);
  other.input = world.out();
  Result<ApplySummary> summary = other.apply();
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().code, ExitCode::kDataError);
  EXPECT_NE(summary.error().format().find("no commands for target micromdm"), std::string::npos);
}

TEST(DeviceContext, PutsTheDevicesFactsUnderFactsAndLetsTheGivenInputsWin) {
  compiler::Context given;
  given.set("team", plist::Value("blue"));
  given.set("facts.os_version", plist::Value("15.0"));  // --facts or --var facts.os_version=…
  compiler::Context context = device_context(
      {.os_version = "14.5", .serial_number = "C02TEST", .arch = "arm64"}, std::move(given));
  const plist::Value* facts = context.values.find("facts");
  ASSERT_NE(facts, nullptr);
  EXPECT_EQ(*facts->get_string("os_version"), "15.0");
  EXPECT_EQ(*facts->get_string("serial_number"), "C02TEST");
  EXPECT_EQ(*facts->get_string("arch"), "arm64");
  EXPECT_EQ(*facts->get_string("console_user"), "") << "every fact is present, empty or not";
  EXPECT_EQ(*context.values.find("team"), plist::Value("blue"));
}

}  // namespace
}  // namespace cmdm::dispatcher

namespace cmdm::dispatcher {
namespace {

// ---- Fleet managed profiles (target fleet-profiles) ----

std::map<std::string, std::string> installed_refs(ApplyWorld& world) {
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(world.ledger_path());
  std::map<std::string, std::string> refs;
  if (!ledger) return refs;
  Result<std::vector<InstalledPart>> installed = (*ledger)->installed();
  if (!installed) return refs;
  for (const InstalledPart& p : *installed) refs[p.part_identifier] = p.vendor_ref;
  return refs;
}

TEST(ApplyFleetProfiles, InstallsUpdatesAndRemovesKeepingFleetsProfileUuid) {
  ApplyWorld world(testworld::Vendor::kFleet, "fleet-profiles");
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.write_source("b.mobileconfig", profile_text("com.example.b", 1, "two"));
  world.build();
  Result<ApplySummary> first = world.apply();
  ASSERT_TRUE(first) << first.error().format();
  EXPECT_EQ(first->installed, 2u);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.a", "com.example.b"}));
  std::map<std::string, std::string> refs = installed_refs(world);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs["com.example.b"].rfind("a", 0), 0u) << refs["com.example.b"];

  world.write_source("b.mobileconfig", profile_text("com.example.b", 1, "changed"));
  world.build();
  Result<ApplySummary> update = world.apply();
  ASSERT_TRUE(update) << update.error().format();
  EXPECT_EQ(update->updated, 1u);
  EXPECT_EQ(update->failed, 0u);
  EXPECT_EQ(world.server().stats().by_route["DELETE /api/v1/fleet/configuration_profiles/" +
                                            refs["com.example.b"]],
            1u)
      << "the update deletes the old profile first";
  EXPECT_EQ(device_setting(world, "com.example.b"), "changed");
  std::string new_ref = installed_refs(world)["com.example.b"];
  EXPECT_NE(new_ref, refs["com.example.b"]);
  EXPECT_FALSE(new_ref.empty());

  world.remove_source("a.mobileconfig");
  world.build();
  Result<ApplySummary> remove = world.apply();
  ASSERT_TRUE(remove) << remove.error().format();
  EXPECT_EQ(remove->removed, 1u);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.b"}));
  EXPECT_EQ(world.server().stats().by_route["DELETE /api/v1/fleet/configuration_profiles/" +
                                            refs["com.example.a"]],
            1u);
  std::size_t requests = world.server().stats().requests;
  Result<ApplySummary> again = world.apply();
  ASSERT_TRUE(again);
  EXPECT_EQ(world.server().stats().requests, requests);
}

TEST(ApplyFleetProfiles, AnUploadAnEarlierRunNeverConfirmedIsReplacedAfterFleetsConflict) {
  ApplyWorld world(testworld::Vendor::kFleet, "fleet-profiles");
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  ASSERT_TRUE(world.apply());
  // The update's DELETE goes through; its POST is taken but never reaches the device, so the run
  // fails the part with the new upload left on Fleet (409 for the next upload of it).
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "two"));
  world.build();
  world.server().add_fault(*testworld::parse_fault("slow:1:ms=0"));
  world.server().add_fault(*testworld::parse_fault("nodeliver:1"));
  Result<ApplySummary> lost = world.apply();
  ASSERT_TRUE(lost) << lost.error().format();
  EXPECT_EQ(lost->failed, 1u);
  Result<ApplySummary> next = world.apply();
  ASSERT_TRUE(next) << next.error().format();
  EXPECT_EQ(next->failed, 0u);
  EXPECT_EQ(world.server().stats().by_status[409], 1u);
  EXPECT_EQ(device_setting(world, "com.example.a"), "two");
}

TEST(ApplyFleetProfiles, SaysWhichProfileHoldsTheDisplayNameFleetRefuses) {
  ApplyWorld world(testworld::Vendor::kFleet, "fleet-profiles");
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  std::string twin = profile_text("com.example.twin", 1, "two");
  // The same display name as com.example.a: Fleet keeps names unique per team.
  std::size_t at = twin.find("<key>PayloadDisplayName</key><string>com.example.twin");
  twin.replace(at, std::string("<key>PayloadDisplayName</key><string>com.example.twin").size(),
               "<key>PayloadDisplayName</key><string>com.example.a");
  world.write_source("b.mobileconfig", twin);
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->installed, 1u);
  EXPECT_EQ(summary->failed, 1u);
  bool said = false;
  for (const PartOutcome& p : summary->parts) {
    if (p.identifier == "com.example.twin") {
      said = p.detail.find("another profile with this display name") != std::string::npos;
      EXPECT_TRUE(said) << p.detail;
    }
  }
  EXPECT_TRUE(said);
}

// ---- Device identity ----

TEST(Apply, WorkspaceOneFindsTheDeviceBySerialNumber) {
  ApplyWorld world(testworld::Vendor::kWorkspaceOne);
  world.device_id = kSerial;
  world.device_id_is_serial = true;
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->installed, 1u);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.a"}));
}

// ---- NanoMDM user channels ----

std::string user_profile(const std::string& identifier) {
  std::string text = profile_text(identifier, 1, "user");
  std::size_t at = text.find("<key>PayloadType</key><string>Configuration</string>");
  text.insert(at, "<key>PayloadScope</key><string>User</string>\n");
  return text;
}

TEST(Apply, SendsAUserPartThroughTheConsoleUsersNanoMdmChannel) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.user_channels["USER-CHANNEL-ALICE"] = {.device = kUdid, .user = "alice"};
  world.restart_server();
  world.adjust_config = [](DispatcherConfig& c) {
    c.nanomdm_user_enrollment_ids = {{"alice", "USER-CHANNEL-ALICE"}, {"bob", "USER-CHANNEL-BOB"}};
  };
  world.facts.console_user = "alice";
  world.write_source("u.mobileconfig", user_profile("com.example.user"));
  world.write_source("s.mobileconfig", profile_text("com.example.system", 1, "s"));
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->installed, 2u);
  EXPECT_EQ(world.server().stats().by_route["PUT /v1/enqueue/USER-CHANNEL-ALICE"], 1u);
  Result<testworld::DeviceState> device = testworld::DeviceState::open(world.device_dir());
  Result<std::vector<testworld::InstalledProfile>> listing = device->list();
  ASSERT_TRUE(listing);
  std::map<std::string, std::string> owners;
  for (const testworld::InstalledProfile& p : *listing) owners[p.identifier] = p.owner;
  EXPECT_EQ(owners["com.example.user"], "alice");
  EXPECT_EQ(owners["com.example.system"], testworld::kComputerLevel);
}

TEST(Apply, AUserPartFailsClearlyWithoutTheConsoleUsersEnrollmentId) {
  ApplyWorld world(testworld::Vendor::kNanoMdm);
  world.adjust_config = [](DispatcherConfig& c) {
    c.nanomdm_user_enrollment_ids = {{"bob", "USER-CHANNEL-BOB"}};
  };
  world.facts.console_user = "alice";
  world.write_source("u.mobileconfig", user_profile("com.example.user"));
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->failed, 1u);
  EXPECT_NE(summary->parts.back().detail.find(
                "NanoMDM UserEnrollmentIDs has no enrollment id for the console user alice"),
            std::string::npos)
      << summary->parts.back().detail;
  EXPECT_EQ(world.server().stats().requests, 0u);
}

// ---- local parts ----

// `profiles install -path` / `remove -identifier` on the emulated Mac, in process.
class EmulatorInstaller : public LocalInstaller {
 public:
  explicit EmulatorInstaller(std::string dir) : dir_(std::move(dir)) {}
  Status install(const std::string& path) override { return run({"install", "-path", path}); }
  Status remove(const std::string& identifier) override {
    return run({"remove", "-identifier", identifier});
  }

 private:
  Status run(const std::vector<std::string>& args) {
    testworld::ProfilesRun ran = testworld::run_fake_profiles(args, dir_);
    if (ran.exit_code == 0) return Ok{};
    return Error::make(ExitCode::kUnavailable, "", "profiles: " + ran.err);
  }
  std::string dir_;
};

TEST(ApplyLocal, InstallsLocalPartsWithProfilesBeforeMacos11) {
  ApplyWorld world(testworld::Vendor::kNanoMdm, "local");
  EmulatorInstaller installer(world.device_dir());
  world.installer = &installer;
  world.facts.os_version = "10.15.7";
  ASSERT_TRUE(testworld::DeviceState::open(world.device_dir())->set_os_version("10.15.7"));
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  Result<ApplySummary> first = world.apply();
  ASSERT_TRUE(first) << first.error().format();
  EXPECT_EQ(first->installed, 1u);
  EXPECT_EQ(world.device_profiles(), (std::set<std::string>{"com.example.a"}));
  Result<ApplySummary> second = world.apply();
  ASSERT_TRUE(second) << second.error().format();
  EXPECT_EQ(second->unchanged, 1u);
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "two"));
  world.build();
  Result<ApplySummary> third = world.apply();
  ASSERT_TRUE(third) << third.error().format();
  EXPECT_EQ(third->updated, 1u);
  EXPECT_EQ(device_setting(world, "com.example.a"), "two");
}

TEST(ApplyLocal, ReportsLocalPartsNotSentOnMacos11AndLaterWithApplesReason) {
  ApplyWorld world(testworld::Vendor::kNanoMdm, "local");
  EmulatorInstaller installer(world.device_dir());
  world.installer = &installer;
  world.facts.os_version = "14.5";
  world.write_source("a.mobileconfig", profile_text("com.example.a", 1, "one"));
  world.build();
  Result<ApplySummary> summary = world.apply();
  ASSERT_TRUE(summary) << summary.error().format();
  EXPECT_EQ(summary->not_sent, 1u);
  EXPECT_NE(
      summary->parts[0].detail.find("macOS 14.5 does not install profiles from the command line"),
      std::string::npos)
      << summary->parts[0].detail;
  EXPECT_TRUE(world.device_profiles().empty());
}

}  // namespace
}  // namespace cmdm::dispatcher
