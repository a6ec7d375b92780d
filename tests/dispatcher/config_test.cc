#include "dispatcher/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "plist/file_io.h"

namespace cmdm::dispatcher {
namespace {

using namespace std::chrono_literals;

const std::string kTestdata = std::string(CMDM_SOURCE_DIR) + "/testdata/dispatcher/";

// A configuration plist from its dict's inner XML.
std::string plist_of(const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n" + body +
         "</dict>\n</plist>\n";
}

const std::string kFleet =
    "<key>Route</key><string>direct</string>\n"
    "<key>Target</key><string>fleet</string>\n"
    "<key>ServerURL</key><string>https://fleet.example.com</string>\n"
    "<key>Fleet</key><dict><key>Token</key><string>fleet-token</string></dict>\n";

std::string first_message(const Result<DispatcherConfig>& config) {
  return config ? "(no error)" : config.error().diagnostics[0].message;
}

TEST(Config, ReadsEveryKeyOfADirectWorkspaceOneConfiguration) {
  const std::string path = kTestdata + "config_direct_workspaceone.plist";
  Result<DispatcherConfig> config = parse_config(*read_file(path), path);
  ASSERT_TRUE(config) << config.error().format();
  EXPECT_EQ(config->route, Route::kDirect);
  EXPECT_EQ(config->target, "workspaceone");
  EXPECT_EQ(config->server_url, "https://as1506.awmdm.com");
  EXPECT_EQ(config->identity, DeviceIdentity::kLookup);
  ASSERT_TRUE(config->workspace_one);
  EXPECT_FALSE(config->workspace_one->uses_oauth());
  EXPECT_EQ(config->workspace_one->username, "cmdm-api");
  EXPECT_EQ(config->workspace_one->password.reveal(), "correct horse battery staple");
  EXPECT_EQ(config->workspace_one->tenant_code.reveal(), "TENANT-CODE-1234");
  EXPECT_EQ(config->ca_bundle, "/Library/Application Support/cmdm/ca.pem");
  EXPECT_EQ(config->connect_timeout, 5s);
  EXPECT_EQ(config->timeout, 42500ms);
  EXPECT_EQ(config->retry.max_attempts, 6);
  EXPECT_EQ(config->retry.base_delay, 250ms);
  EXPECT_EQ(config->retry.max_delay, 120s);
  EXPECT_EQ(config->ledger_path, "/var/db/cmdm-test/ledger.sqlite");
  EXPECT_EQ(config->profiles_path, "/usr/local/libexec/cmdm/profiles");
  EXPECT_TRUE(config->holds_secrets());
}

TEST(Config, FillsDefaultsForOptionalKeys) {
  Result<DispatcherConfig> config = parse_config(plist_of(kFleet), "c.plist");
  ASSERT_TRUE(config) << config.error().format();
  EXPECT_EQ(config->fleet_token.reveal(), "fleet-token");
  EXPECT_EQ(config->identity, DeviceIdentity::kSerial);
  EXPECT_EQ(config->ledger_path, "/var/db/cmdm/ledger.sqlite");
  EXPECT_EQ(config->profiles_path, "/usr/bin/profiles");
  EXPECT_EQ(config->timeout, 60s);
  EXPECT_EQ(config->retry.max_attempts, 4);
}

TEST(Config, TakesTheDeviceIdGivenOutright) {
  Result<DispatcherConfig> config =
      parse_config(plist_of(kFleet + "<key>DeviceID</key><string>5A1C-0001</string>"), "c");
  ASSERT_TRUE(config) << config.error().format();
  EXPECT_EQ(config->device_id, "5A1C-0001");
  EXPECT_TRUE(parse_config(plist_of(kFleet), "c")->device_id.empty());
}

TEST(Config, SuggestsTheKeyAMisspeltKeyMeant) {
  const std::string path = kTestdata + "config_misspelt_key.plist";
  Result<DispatcherConfig> config = parse_config(*read_file(path), path);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ExitCode::kDataError);
  EXPECT_EQ(config.error().format(),
            path +
                ":8:2: error: unknown key 'ServerUrl'; did you mean 'ServerURL'? "
                "(docs/dispatcher.md lists them) (at ServerUrl)\n"
                "\t<key>ServerUrl</key>\n"
                "\t^\n");
}

TEST(Config, SuggestsKeysInsideASection) {
  Result<DispatcherConfig> config = parse_config(
      plist_of("<key>WorkspaceONE</key><dict><key>Pasword</key><string>x</string></dict>\n"),
      "c.plist");
  EXPECT_EQ(first_message(config),
            "unknown key 'Pasword'; did you mean 'Password'? (docs/dispatcher.md lists them)");
  EXPECT_EQ(config.error().diagnostics[0].key_path, "WorkspaceONE.Pasword");
}

TEST(Config, SaysWhereAValueHasTheWrongType) {
  const std::string path = kTestdata + "config_wrong_type.plist";
  Result<DispatcherConfig> config = parse_config(*read_file(path), path);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().format(), path +
                                         ":18:3: error: expected an integer, found a string "
                                         "(at Retries.MaxAttempts)\n"
                                         "\t\t<string>four</string>\n"
                                         "\t\t^\n");
  EXPECT_EQ(first_message(parse_config(plist_of(kFleet + "<key>Timeout</key><true/>"), "c")),
            "expected a number of seconds, found a boolean");
}

TEST(Config, RefusesValuesOutOfRange) {
  EXPECT_EQ(
      first_message(parse_config(plist_of(kFleet + "<key>Timeout</key><integer>0</integer>"), "c")),
      "expected seconds from 0.1 to 3600");
  EXPECT_EQ(
      first_message(parse_config(
          plist_of(kFleet + "<key>Retries</key><dict><key>MaxAttempts</key><integer>11</integer>"
                            "</dict>"),
          "c")),
      "expected 1 to 10 attempts");
  EXPECT_EQ(
      first_message(parse_config(
          plist_of(kFleet + "<key>Retries</key><dict><key>BaseDelay</key><integer>10</integer>"
                            "<key>MaxDelay</key><integer>5</integer></dict>"),
          "c")),
      "MaxDelay is shorter than BaseDelay");
  EXPECT_EQ(first_message(parse_config(
                plist_of(kFleet + "<key>LedgerPath</key><string>ledger.sqlite</string>"), "c")),
            "expected an absolute path");
}

TEST(Config, SuggestsARouteIdentityAndTarget) {
  std::string relai = kFleet;
  relai.replace(relai.find("direct"), 6, "relai");
  EXPECT_EQ(first_message(parse_config(plist_of(relai), "c")),
            "unknown route 'relai'; did you mean 'relay'? (direct, relay)");
  EXPECT_EQ(first_message(parse_config(
                plist_of(kFleet + "<key>DeviceIdentity</key><string>uuid</string>"), "c")),
            "unknown device identity 'uuid'; did you mean 'udid'? (serial, udid, lookup)");
  std::string fleeet = kFleet;
  fleeet.replace(fleeet.find("<string>fleet<"), 14, "<string>fleeet<");
  EXPECT_EQ(first_message(parse_config(plist_of(fleeet), "c")),
            "unknown target 'fleeet'; did you mean 'fleet'? (`cmdm targets` lists them)");
}

TEST(Config, RefusesATargetTheDispatcherCannotSendTo) {
  Result<DispatcherConfig> config = parse_config(
      plist_of("<key>Route</key><string>direct</string><key>Target</key><string>jamf</string>"
               "<key>ServerURL</key><string>https://jamf.example.com</string>"),
      "c");
  EXPECT_EQ(first_message(config),
            "the dispatcher cannot send to target 'jamf'; it sends to workspaceone, micromdm, "
            "nanomdm, fleet, fleet-profiles and local");
}

const std::string kNano =
    "<key>Route</key><string>direct</string>\n"
    "<key>Target</key><string>nanomdm</string>\n"
    "<key>ServerURL</key><string>https://nano.example.com</string>\n";

TEST(Config, ReadsNanoMdmUserEnrollmentIdsByShortUserName) {
  Result<DispatcherConfig> config = parse_config(
      plist_of(kNano + "<key>NanoMDM</key><dict><key>APIKey</key><string>k</string>"
                       "<key>UserEnrollmentIDs</key><dict><key>alice</key><string>UC-1</string>"
                       "<key>bob</key><string>UC-2</string></dict></dict>"),
      "c");
  ASSERT_TRUE(config) << config.error().format();
  EXPECT_EQ(config->nanomdm_user_enrollment_ids,
            (std::map<std::string, std::string>{{"alice", "UC-1"}, {"bob", "UC-2"}}));
  Result<DispatcherConfig> bad = parse_config(
      plist_of(kNano +
               "<key>NanoMDM</key><dict><key>APIKey</key><string>k</string>"
               "<key>UserEnrollmentIDs</key><dict><key>alice</key><integer>1</integer></dict>"
               "</dict>"),
      "c");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().diagnostics[0].key_path, "NanoMDM.UserEnrollmentIDs.alice");
}

TEST(Config, RefusesDeviceIdentityLookupWhereTheVendorHasNoInventory) {
  Result<DispatcherConfig> config = parse_config(
      plist_of(kNano + "<key>DeviceIdentity</key><string>lookup</string>"
                       "<key>NanoMDM</key><dict><key>APIKey</key><string>k</string></dict>"),
      "c.plist");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().format().rfind("c.plist:7:26: error: NanoMDM has no inventory", 0), 0u)
      << config.error().format();
  EXPECT_EQ(first_message(config),
            "NanoMDM has no inventory API to look the serial number up in; use udid (NanoMDM's "
            "enrollment id of a device channel is its UDID) or DeviceID");
  EXPECT_TRUE(
      parse_config(plist_of(kFleet + "<key>DeviceIdentity</key><string>lookup</string>"), "c"));
}

TEST(Config, NeedsTheCredentialsOfTheDirectTarget) {
  Result<DispatcherConfig> config = parse_config(
      plist_of("<key>Route</key><string>direct</string><key>Target</key><string>nanomdm</string>"
               "<key>ServerURL</key><string>https://nano.example.com</string>"),
      "c");
  EXPECT_EQ(first_message(config), "the direct route to nanomdm needs a NanoMDM section");
  EXPECT_EQ(first_message(parse_config(
                plist_of("<key>Route</key><string>direct</string><key>Target</key>"
                         "<string>micromdm</string><key>ServerURL</key>"
                         "<string>https://m.example.com</string><key>MicroMDM</key><dict/>"),
                "c")),
            "the section has no APIKey");
}

TEST(Config, ReadsALocalTargetWithoutAServer) {
  Result<DispatcherConfig> config = parse_config(
      plist_of("<key>Route</key><string>direct</string><key>Target</key><string>local</string>"),
      "c");
  ASSERT_TRUE(config) << config.error().format();
  EXPECT_FALSE(config->holds_secrets());
}

TEST(Config, AcceptsWorkspaceOneOAuthButNotAMixOfBothMethods) {
  const std::string oauth =
      "<key>Route</key><string>direct</string><key>Target</key><string>workspaceone</string>"
      "<key>ServerURL</key><string>https://as1.awmdm.com</string><key>WorkspaceONE</key><dict>"
      "<key>ClientID</key><string>id</string><key>ClientSecret</key><string>s</string>"
      "<key>TokenURL</key><string>https://na.uemauth.vmwservices.com/connect/token</string>";
  Result<DispatcherConfig> config = parse_config(plist_of(oauth + "</dict>"), "c");
  ASSERT_TRUE(config) << config.error().format();
  EXPECT_TRUE(config->workspace_one->uses_oauth());
  EXPECT_EQ(config->workspace_one->client_secret.reveal(), "s");
  EXPECT_EQ(first_message(parse_config(
                plist_of(oauth + "<key>Username</key><string>u</string></dict>"), "c")),
            "give either Username, Password and TenantCode (basic authentication) or ClientID, "
            "ClientSecret and TokenURL (OAuth2), not both or neither");
}

TEST(Config, KeepsVendorCredentialsOffADeviceOnTheRelayRoute) {
  Result<DispatcherConfig> config = parse_config(
      plist_of("<key>Route</key><string>relay</string><key>Target</key><string>fleet</string>"
               "<key>ServerURL</key><string>https://relay.example.com</string>"
               "<key>Relay</key><dict><key>ClientCertificate</key><string>/etc/c.pem</string>"
               "<key>ClientKey</key><string>/etc/k.pem</string></dict>"
               "<key>Fleet</key><dict><key>Token</key><string>t</string></dict>"),
      "c");
  EXPECT_EQ(first_message(config),
            "vendor credentials belong on the relay, not on the device; remove this section or "
            "use Route direct");
  EXPECT_EQ(config.error().diagnostics[0].key_path, "Fleet");
}

TEST(Config, RefusesPlainHttpToARemoteServer) {
  std::string plain = kFleet;
  plain.replace(plain.find("https://"), 8, "http://");
  Result<DispatcherConfig> config = parse_config(plist_of(plain), "c");
  EXPECT_EQ(first_message(config),
            "the URL must start with https:// (plain http:// is allowed only to 127.0.0.1, "
            "[::1] or localhost)");
  EXPECT_EQ(config.error().diagnostics[0].key_path, "ServerURL");
}

TEST(Config, GivesTheTransportItsTlsTimeoutsAndRetries) {
  const std::string path = kTestdata + "config_direct_workspaceone.plist";
  const TransportOptions options = transport_options(*parse_config(*read_file(path), path));
  EXPECT_EQ(options.ca_bundle, "/Library/Application Support/cmdm/ca.pem");
  EXPECT_EQ(options.connect_timeout, 5s);
  EXPECT_EQ(options.timeout, 42500ms);
  EXPECT_EQ(options.retry.max_attempts, 6);
}

class LoadConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cmdm-config-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string dir_;
};

TEST_F(LoadConfigTest, ReadsAPrivateConfiguration) {
  Result<DispatcherConfig> config = load_config(write("c.plist", plist_of(kFleet), 0600));
  ASSERT_TRUE(config) << config.error().format();
  EXPECT_EQ(config->target, "fleet");
}

TEST_F(LoadConfigTest, RefusesSecretsOthersCanReadWithTheFix) {
  const std::string path = write("c.plist", plist_of(kFleet), 0644);
  Result<DispatcherConfig> config = load_config(path);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ExitCode::kUsage);
  EXPECT_EQ(config.error().format(),
            path +
                ": error: holds secrets and is readable or writable by other users; fix: "
                "chmod 600 '" +
                path + "'\n");
}

TEST_F(LoadConfigTest, AllowsAReadableConfigurationWithoutSecrets) {
  const std::string key = write("key.pem", "-----BEGIN PRIVATE KEY-----\n", 0600);
  const std::string relay =
      "<key>Route</key><string>relay</string><key>Target</key><string>fleet</string>"
      "<key>ServerURL</key><string>https://relay.example.com</string>"
      "<key>Relay</key><dict><key>ClientCertificate</key><string>/etc/c.pem</string>"
      "<key>ClientKey</key><string>" +
      key + "</string></dict>";
  EXPECT_TRUE(load_config(write("c.plist", plist_of(relay), 0644)));
  // ... but not a client key others can read.
  ::chmod(key.c_str(), 0640);
  Result<DispatcherConfig> config = load_config(dir_ + "/c.plist");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().diagnostics[0].file, key);
}

TEST_F(LoadConfigTest, RefusesAConfigurationOthersCanChange) {
  const std::string path = write("c.plist", plist_of(kFleet), 0602);
  Result<DispatcherConfig> config = load_config(path);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().diagnostics[0].message,
            "is writable by other users; fix: chmod go-w '" + path + "'");
}

TEST_F(LoadConfigTest, ReportsAMissingFileAsAnIoError) {
  Result<DispatcherConfig> config = load_config(dir_ + "/absent.plist");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ExitCode::kIoError);
}

}  // namespace
}  // namespace cmdm::dispatcher
