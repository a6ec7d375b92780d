// The relay in one process: its Service and mTLS Server in front of a fake NanoMDM that delivers
// to emulated devices, driven by the dispatcher's own libcurl transport with each device's client
// certificate. The PKI (device CA, CRL, another CA, an expired and a revoked device, the CI build
// signer) is made per run by make_pki.sh.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "dispatcher/process.h"
#include "dispatcher/relay_client.h"
#include "dispatcher/transport.h"
#include "plist/base64.h"
#include "plist/file_io.h"
#include "plist/hash.h"
#include "relay/config.h"
#include "relay/metrics.h"
#include "relay/policy.h"
#include "relay/publish.h"
#include "relay/server.h"
#include "relay/service.h"
#include "relay/store.h"
#include "testworld/device_state.h"
#include "testworld/fake_mdm.h"

namespace cmdm::relay {
namespace {

constexpr char kApiKey[] = "relay-test-vendor-key-5ecret";

int run(const std::vector<std::string>& argv, std::string* out = nullptr) {
  std::unique_ptr<dispatcher::ProcessRunner> runner = dispatcher::make_posix_process_runner();
  Result<dispatcher::ProcessOutput> r = runner->run({.argv = argv});
  if (!r) return -1;
  if (out != nullptr) *out = r->out + r->err;
  return r->exit_status;
}

// Made once per run: the PKI and the signed and unsigned builds of two example profiles.
struct Fixtures {
  std::string dir, pki, signed_bundle, unsigned_bundle, manifest_sha;
  std::string part_identifier, part_digest;
};

const Fixtures& fixtures() {
  static Fixtures* f = [] {
    auto* f = new Fixtures;
    char pattern[] = "/tmp/cmdm-relay-fixtures-XXXXXX";
    f->dir = ::mkdtemp(pattern);
    f->pki = f->dir + "/pki";
    std::string out;
    EXPECT_EQ(run({"/bin/sh", RELAY_MAKE_PKI, f->pki}, &out), 0) << out;
    const std::string examples = std::string(CMDM_SOURCE_DIR) + "/testdata/examples/";
    std::vector<std::string> build = {CMDM_BIN,
                                      "build",
                                      examples + "safari-homepage.mobileconfig",
                                      examples + "security-baseline.mobileconfig",
                                      "--target",
                                      "nanomdm",
                                      "--bundle"};
    std::vector<std::string> signed_build = build;
    signed_build.insert(signed_build.end(),
                        {"--sign-key", f->pki + "/build-signer.key", "--sign-cert",
                         f->pki + "/build-signer.pem", "-o", f->dir + "/signed"});
    EXPECT_EQ(run(signed_build, &out), 0) << out;
    build.insert(build.end(), {"-o", f->dir + "/unsigned"});
    EXPECT_EQ(run(build, &out), 0) << out;
    f->signed_bundle = f->dir + "/signed/bundle.cmdm";
    f->unsigned_bundle = f->dir + "/unsigned/bundle.cmdm";
    Result<std::string> manifest = read_file(f->dir + "/signed/manifest.json");
    EXPECT_TRUE(manifest);
    f->manifest_sha = plist::sha256_hex(*manifest);
    Result<emitters::Manifest> m = emitters::read_manifest(*manifest);
    EXPECT_TRUE(m);
    f->part_identifier = m->sources[0].parts[0].identifier;
    f->part_digest = m->sources[0].parts[0].digest;
    return f;
  }();
  return *f;
}

std::string config_text(const std::string& pki, const std::string& state, const std::string& url,
                        const std::string& extra) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\n"
         "<key>Listen</key><string>127.0.0.1:0</string>\n"
         "<key>ServerCertificate</key><string>" +
         pki +
         "/server.pem</string>\n"
         "<key>ServerKey</key><string>" +
         pki +
         "/server.key</string>\n"
         "<key>DeviceCA</key><string>" +
         pki +
         "/ca.pem</string>\n"
         "<key>DeviceCRL</key><string>" +
         pki +
         "/crl.pem</string>\n"
         "<key>BuildCA</key><string>" +
         pki +
         "/build-ca.pem</string>\n"
         "<key>StateDir</key><string>" +
         state + "</string>\n" + extra +
         "<key>Vendor</key><dict><key>Route</key><string>direct</string>"
         "<key>Target</key><string>nanomdm</string><key>ServerURL</key><string>" +
         url + "</string><key>NanoMDM</key><dict><key>APIKey</key><string>" + kApiKey +
         "</string></dict><key>Retries</key><dict><key>MaxAttempts</key><integer>2</integer>"
         "<key>BaseDelay</key><real>0.01</real></dict></dict>\n"
         "</dict></plist>\n";
}

class Relay : public testing::Test {
 protected:
  void SetUp() override {
    const Fixtures& f = fixtures();
    pki_ = f.pki;
    char pattern[] = "/tmp/cmdm-relay-test-XXXXXX";
    root_ = ::mkdtemp(pattern);
    for (const char* d : {"DEVICE-A", "DEVICE-B"}) {
      devices_[d] = root_ + "/" + d;
      ASSERT_TRUE(testworld::DeviceState::open(devices_[d]));
    }
    Result<std::unique_ptr<testworld::FakeMdm>> mdm =
        testworld::FakeMdm::start({.vendor = testworld::Vendor::kNanoMdm,
                                   .credentials = {.username = "nanomdm", .password = kApiKey},
                                   .devices = devices_,
                                   .threads = 4});
    ASSERT_TRUE(mdm) << mdm.error().format();
    mdm_ = std::move(*mdm);
  }

  // Starts the relay with `extra` configuration keys and `policy` (a plist body, "" for none).
  void start(const std::string& extra = "", const std::string& policy = "") {
    std::string keys = extra;
    if (!policy.empty()) {
      std::ofstream(root_ + "/policy.plist")
          << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>" << policy
          << "</dict></plist>\n";
      keys += "<key>PolicyPath</key><string>" + root_ + "/policy.plist</string>\n";
    }
    Result<RelayConfig> config = parse_relay_config(
        config_text(pki_, root_ + "/state", mdm_->base_url(), keys), "relay.plist");
    ASSERT_TRUE(config) << config.error().format();
    config_ = std::make_shared<const RelayConfig>(*config);
    ::mkdir(config_->state_dir.c_str(), 0700);
    Result<std::unique_ptr<Store>> store = open_sqlite_store(config_->state_dir + "/relay.sqlite");
    ASSERT_TRUE(store) << store.error().format();
    store_ = std::move(*store);
    Result<Policy> p = load_policy(config_->policy_path);
    ASSERT_TRUE(p) << p.error().format();
    forwarder_ = make_vendor_forwarder(config_->vendor);
    service_ = std::make_unique<Service>(config_, std::make_shared<const Policy>(*p), *store_,
                                         *forwarder_, metrics_);
    Result<std::unique_ptr<Server>> server =
        Server::start(*config_, *service_, metrics_, [this](std::string_view line) {
          std::lock_guard lock(log_mutex_);
          log_ += std::string(line) + "\n";
        });
    ASSERT_TRUE(server) << server.error().format();
    server_ = std::move(*server);
  }

  void publish_signed() {
    Result<Published> p = publish_bundle(*config_, *store_, fixtures().signed_bundle);
    ASSERT_TRUE(p) << p.error().format();
  }

  void TearDown() override {
    if (server_) server_->drain(std::chrono::milliseconds(1000));
    server_.reset();
    service_.reset();
    mdm_.reset();
    std::filesystem::remove_all(root_);
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(server_->port()); }

  // One request as `cert` (a name in the PKI directory).
  Result<dispatcher::HttpResponse> request(const std::string& cert, const std::string& method,
                                           const std::string& path, const std::string& body,
                                           const std::string& key = "") {
    dispatcher::TransportOptions options{.ca_bundle = pki_ + "/ca.pem",
                                         .client_certificate = pki_ + "/" + cert + ".pem",
                                         .client_key = pki_ + "/" + cert + ".key",
                                         .connect_timeout = std::chrono::seconds(5),
                                         .timeout = std::chrono::seconds(20)};
    options.retry.max_attempts = 1;
    std::unique_ptr<dispatcher::Transport> t = dispatcher::make_curl_transport(options);
    dispatcher::HttpRequest r{.method = method, .url = url() + path, .body = body};
    r.headers.emplace_back("Content-Type", "application/json");
    if (!key.empty()) r.headers.emplace_back("Idempotency-Key", key);
    return t->send(r);
  }

  std::string install_body(const std::string& manifest = fixtures().manifest_sha,
                           const std::string& digest = fixtures().part_digest) {
    return "{\"manifest_sha256\":\"" + manifest + "\",\"identifier\":\"" +
           fixtures().part_identifier + "\",\"digest\":\"" + digest + "\"}";
  }

  std::size_t vendor_requests() { return mdm_->stats().requests; }

  std::vector<std::string> listed(const std::string& device) {
    Result<testworld::DeviceState> state = testworld::DeviceState::open(devices_[device]);
    std::vector<std::string> ids;
    if (!state) return ids;
    Result<std::vector<testworld::InstalledProfile>> list = state->list();
    if (list) {
      for (const auto& p : *list) ids.push_back(p.identifier);
    }
    return ids;
  }

  std::string log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

  std::string pki_, root_;
  std::map<std::string, std::string> devices_;
  std::unique_ptr<testworld::FakeMdm> mdm_;
  std::shared_ptr<const RelayConfig> config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Forwarder> forwarder_;
  Metrics metrics_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<Server> server_;
  std::mutex log_mutex_;
  std::string log_;
};

TEST_F(Relay, RefusesOtherCaExpiredAndRevokedCertificatesAtTheHandshake) {
  start();
  publish_signed();
  for (const char* cert : {"other", "expired", "revoked"}) {
    Result<dispatcher::HttpResponse> r =
        request(cert, "POST", "/v1/install", install_body(), std::string("k-") + cert);
    ASSERT_FALSE(r) << cert << " got HTTP " << r->status;
    EXPECT_EQ(r.error().code, ExitCode::kUnavailable) << r.error().format();
  }
  EXPECT_EQ(vendor_requests(), 0u);
  // The relay logs a refused handshake after the client has seen it fail: wait for the lines.
  auto refused = [&] {
    std::string text = log();
    std::size_t n = 0;
    for (std::size_t at = text.find("tls refused"); at != std::string::npos;
         at = text.find("tls refused", at + 1)) {
      ++n;
    }
    return n;
  };
  for (int i = 0; i < 100 && refused() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(log().find("certificate revoked"), std::string::npos) << log();
  EXPECT_NE(log().find("certificate has expired"), std::string::npos) << log();
  EXPECT_NE(log().find("unable to get local issuer certificate"), std::string::npos) << log();
  const std::string metrics = metrics_.prometheus();
  EXPECT_NE(metrics.find("cmdm_relay_connections_refused_total{reason=\"tls\"} 3"),
            std::string::npos)
      << metrics;
  // The same request with a good certificate goes through.
  Result<dispatcher::HttpResponse> ok =
      request("DEVICE-A", "POST", "/v1/install", install_body(), "k");
  ASSERT_TRUE(ok) << ok.error().format();
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST_F(Relay, InstallsAPublishedPartOnTheDeviceItsCertificateNames) {
  start();
  publish_signed();
  // A "device" in the body is not read: the certificate says DEVICE-A.
  std::string body = install_body();
  body.insert(1, "\"device\":\"DEVICE-B\",");
  Result<dispatcher::HttpResponse> r = request("DEVICE-A", "POST", "/v1/install", body, "k1");
  ASSERT_TRUE(r) << r.error().format();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find("\"state\":\"sent\""), std::string::npos) << r->body;
  ASSERT_TRUE(mdm_->drain(5000));
  EXPECT_EQ(listed("DEVICE-A"), std::vector<std::string>{fixtures().part_identifier});
  EXPECT_TRUE(listed("DEVICE-B").empty());
}

TEST_F(Relay, DeviceCannotRemoveWhatTheRelayInstalledOnAnotherDevice) {
  start();
  publish_signed();
  ASSERT_EQ(request("DEVICE-A", "POST", "/v1/install", install_body(), "k1")->status, 200);
  ASSERT_TRUE(mdm_->drain(5000));
  const std::size_t before = vendor_requests();
  const std::string remove = "{\"identifier\":\"" + fixtures().part_identifier + "\"}";
  Result<dispatcher::HttpResponse> b = request("DEVICE-B", "POST", "/v1/remove", remove, "r1");
  ASSERT_TRUE(b) << b.error().format();
  EXPECT_EQ(b->status, 403) << b->body;
  EXPECT_NE(b->body.find("not_installed_by_relay"), std::string::npos) << b->body;
  EXPECT_EQ(vendor_requests(), before);
  EXPECT_EQ(listed("DEVICE-A"), std::vector<std::string>{fixtures().part_identifier});
  // Device B cannot read device A's request either.
  Result<dispatcher::HttpResponse> status = request("DEVICE-B", "GET", "/v1/requests/1", "");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 404);
  // Device A may remove it.
  Result<dispatcher::HttpResponse> a = request("DEVICE-A", "POST", "/v1/remove", remove, "r1");
  ASSERT_TRUE(a) << a.error().format();
  EXPECT_EQ(a->status, 200) << a->body;
  ASSERT_TRUE(mdm_->drain(5000));
  EXPECT_TRUE(listed("DEVICE-A").empty());
}

TEST_F(Relay, RefusesAPartThatNoPublishedSignedBundleHolds) {
  start();
  // Nothing published yet.
  Result<dispatcher::HttpResponse> r =
      request("DEVICE-A", "POST", "/v1/install", install_body(), "k");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("not_published"), std::string::npos) << r->body;
  publish_signed();
  // Published, but no part with this digest.
  r = request("DEVICE-A", "POST", "/v1/install",
              install_body(fixtures().manifest_sha, std::string(64, 'a')), "k2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("not_in_bundle"), std::string::npos) << r->body;
  EXPECT_EQ(vendor_requests(), 0u);
  EXPECT_NE(metrics_.prometheus().find("cmdm_relay_refusals_total{reason=\"not_in_bundle\"} 1"),
            std::string::npos);
}

TEST_F(Relay, RefusesTamperedAndUnsignedBundlesAtPublish) {
  start();
  Result<std::string> bytes = read_file(fixtures().signed_bundle);
  ASSERT_TRUE(bytes);
  std::string tampered = *bytes;
  tampered[tampered.size() / 2] ^= 0x01;
  const std::string path = root_ + "/tampered.cmdm";
  ASSERT_TRUE(write_file_atomic(path, tampered));
  Result<Published> t = publish_bundle(*config_, *store_, path);
  ASSERT_FALSE(t);
  Result<Published> u = publish_bundle(*config_, *store_, fixtures().unsigned_bundle);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ExitCode::kCheckFailed) << u.error().format();
  Result<std::vector<PublishedBundle>> all = store_->bundles();
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
  EXPECT_FALSE(std::filesystem::exists(config_->state_dir + "/bundles/" + fixtures().manifest_sha));
}

constexpr char kTccProfile[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>PayloadIdentifier</key><string>com.example.device.tcc.policy</string>
<key>PayloadType</key><string>com.apple.TCC.configuration-profile-policy</string>
<key>PayloadUUID</key><string>7B4D3F0E-1C2A-4E55-9A61-2B0C5D8E9F10</string>
<key>PayloadVersion</key><integer>1</integer>
<key>Services</key><dict><key>SystemPolicyAllFiles</key><array><dict>
<key>Identifier</key><string>com.example.backup</string>
<key>IdentifierType</key><string>bundleID</string>
<key>CodeRequirement</key><string>identifier "com.example.backup"</string>
<key>Allowed</key><true/></dict></array></dict>
</dict></array>
<key>PayloadDisplayName</key><string>Device TCC</string>
<key>PayloadIdentifier</key><string>com.example.device.tcc</string>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadUUID</key><string>0C1D2E3F-4A5B-4C6D-8E7F-901234567890</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></plist>
)";

std::string profile_body() {
  return "{\"profile\":\"" + plist::base64_encode(std::string_view(kTccProfile)) + "\"}";
}

TEST_F(Relay, RefusesADeviceCompiledTccProfileByDefault) {
  start();
  Result<dispatcher::HttpResponse> off =
      request("DEVICE-A", "POST", "/v1/profiles", profile_body(), "p1");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, 403);
  EXPECT_NE(off->body.find("device_profiles_disabled"), std::string::npos) << off->body;
  EXPECT_EQ(vendor_requests(), 0u);
}

TEST_F(Relay, RefusesTccWhenDeviceProfilesAreOnButThePolicyDoesNotNameIt) {
  start("", "<key>AllowDeviceProfiles</key><true/>");
  Result<dispatcher::HttpResponse> r =
      request("DEVICE-A", "POST", "/v1/profiles", profile_body(), "p1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_NE(r->body.find("privileged_type"), std::string::npos) << r->body;
  EXPECT_EQ(vendor_requests(), 0u);
}

TEST_F(Relay, AcceptsADeviceCompiledTccProfileWhenThePolicyAllowsIt) {
  start("",
        "<key>AllowDeviceProfiles</key><true/><key>AllowedIdentifierPrefixes</key>"
        "<array><string>com.example.device.</string></array><key>AllowPrivilegedTypes</key>"
        "<array><string>com.apple.TCC.configuration-profile-policy</string></array>");
  Result<dispatcher::HttpResponse> r =
      request("DEVICE-A", "POST", "/v1/profiles", profile_body(), "p1");
  ASSERT_TRUE(r) << r.error().format();
  EXPECT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(mdm_->drain(5000));
  EXPECT_EQ(listed("DEVICE-A"), std::vector<std::string>{"com.example.device.tcc"});
  // What it installed, the device may remove.
  Result<dispatcher::HttpResponse> rm =
      request("DEVICE-A", "POST", "/v1/remove", "{\"identifier\":\"com.example.device.tcc\"}", "r");
  ASSERT_TRUE(rm);
  EXPECT_EQ(rm->status, 200) << rm->body;
}

TEST_F(Relay, RetriedRequestIsSentOnce) {
  start();
  publish_signed();
  for (int i = 0; i < 3; ++i) {
    Result<dispatcher::HttpResponse> r =
        request("DEVICE-A", "POST", "/v1/install", install_body(), "same-key");
    ASSERT_TRUE(r) << r.error().format();
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_NE(r->body.find(i == 0 ? "\"replayed\":false" : "\"replayed\":true"), std::string::npos)
        << r->body;
  }
  // Concurrent copies of one new request: still one send.
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      dispatcher::TransportOptions options{.ca_bundle = pki_ + "/ca.pem",
                                           .client_certificate = pki_ + "/DEVICE-A.pem",
                                           .client_key = pki_ + "/DEVICE-A.key"};
      options.retry = {.max_attempts = 10,
                       .base_delay = std::chrono::milliseconds(50),
                       .max_delay = std::chrono::milliseconds(1500)};
      std::unique_ptr<dispatcher::Transport> t = dispatcher::make_curl_transport(options);
      dispatcher::RelayChange change{.action = "install",
                                     .manifest_sha256 = fixtures().manifest_sha,
                                     .identifier = fixtures().part_identifier,
                                     .digest = fixtures().part_digest,
                                     .idempotency_key = "concurrent-key"};
      dispatcher::DispatcherConfig device{.route = dispatcher::Route::kRelay, .server_url = url()};
      if (dispatcher::send_to_relay(device, change, *t)) ++answered;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(answered, 8);
  testworld::FakeMdmStats stats = mdm_->stats();
  EXPECT_EQ(stats.accepted, 2u);  // "same-key" once, "concurrent-key" once
  for (const auto& [uuid, count] : stats.by_command_uuid) EXPECT_EQ(count, 1u) << uuid;
}

TEST_F(Relay, LogsNoSecretAndNoProfileContent) {
  start("",
        "<key>AllowDeviceProfiles</key><true/><key>AllowPrivilegedTypes</key>"
        "<array><string>com.apple.TCC.configuration-profile-policy</string></array>");
  publish_signed();
  ASSERT_TRUE(request("DEVICE-A", "POST", "/v1/install", install_body(), "k1"));
  ASSERT_TRUE(request("DEVICE-A", "POST", "/v1/profiles", profile_body(), "k2"));
  ASSERT_TRUE(request("DEVICE-A", "GET", "/metrics", ""));
  // A vendor failure, whose words reach the log and the audit log.
  mdm_->add_fault(*testworld::parse_fault("500:all"));
  EXPECT_FALSE(request("DEVICE-B", "POST", "/v1/install", install_body(), "k3"));
  const std::string text = log();
  EXPECT_NE(text.find("device=DEVICE-A POST /v1/install 200 forwarded"), std::string::npos) << text;
  Result<std::vector<AuditEntry>> a = store_->audit("DEVICE-A");
  Result<std::vector<AuditEntry>> b = store_->audit("DEVICE-B");
  ASSERT_TRUE(a && b);
  std::string audit;
  for (const auto& e : *a) audit += e.request + e.reason + e.sent + e.vendor_answer + "\n";
  for (const auto& e : *b) audit += e.request + e.reason + e.sent + e.vendor_answer + "\n";
  EXPECT_NE(audit.find("PUT /v1/enqueue/"), std::string::npos) << audit;
  for (const std::string& where : {text, audit}) {
    EXPECT_EQ(where.find(kApiKey), std::string::npos) << where;
    EXPECT_EQ(where.find(plist::base64_encode(std::string_view(kApiKey)).substr(0, 12)),
              std::string::npos);
    EXPECT_EQ(where.find("SystemPolicyAllFiles"), std::string::npos) << where;
    EXPECT_EQ(where.find("com.example.backup"), std::string::npos) << where;
  }
}

TEST_F(Relay, LimitsEachDevicesRate) {
  start(
      "<key>Limits</key><dict><key>Burst</key><integer>3</integer>"
      "<key>RequestsPerMinute</key><integer>1</integer></dict>\n");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(request("DEVICE-A", "GET", "/v1/requests/1", "")->status, 404);
  }
  // The transport takes a 429 as "try later" and, with one attempt, gives up.
  Result<dispatcher::HttpResponse> limited = request("DEVICE-A", "GET", "/v1/requests/1", "");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, ExitCode::kUnavailable);
  EXPECT_NE(metrics_.prometheus().find("cmdm_relay_refusals_total{reason=\"rate_limited\"} 1"),
            std::string::npos);
  // Another device has its own bucket.
  EXPECT_EQ(request("DEVICE-B", "GET", "/v1/requests/1", "")->status, 404);
}

TEST_F(Relay, RefusesABodyOverTheLimit) {
  start("<key>Limits</key><dict><key>MaxRequestBytes</key><integer>2048</integer></dict>\n");
  Result<dispatcher::HttpResponse> r =
      request("DEVICE-A", "POST", "/v1/install", std::string(4096, ' '), "k");
  ASSERT_TRUE(r) << r.error().format();
  EXPECT_EQ(r->status, 413);
}

// Connections that send one byte a second hold only themselves: another device is answered at
// once, and the slow ones are closed at the read deadline.
TEST_F(Relay, SlowClientsDoNotStopOtherDevices) {
  start(
      "<key>Limits</key><dict><key>HandshakeTimeout</key><real>1.5</real>"
      "<key>ReadTimeout</key><real>1.5</real><key>Threads</key><integer>1</integer></dict>\n");
  std::atomic<bool> stop{false};
  std::vector<std::thread> slow;
  for (int i = 0; i < 20; ++i) {
    slow.emplace_back([&, port = server_->port()] {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<std::uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const char hello[] = "\x16\x03\x01\x00\xff";  // the start of a TLS record, slowly
        for (int b = 0; b < 5 && !stop; ++b) {
          if (::send(fd, hello + b, 1, MSG_NOSIGNAL) != 1) break;
          std::this_thread::sleep_for(std::chrono::seconds(1));
        }
      }
      ::close(fd);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  Result<dispatcher::HttpResponse> r = request("DEVICE-A", "GET", "/healthz", "");
  const auto took = std::chrono::steady_clock::now() - t0;
  stop = true;
  for (std::thread& t : slow) t.join();
  ASSERT_TRUE(r) << r.error().format();
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(took, std::chrono::milliseconds(1000));
  EXPECT_NE(metrics_.prometheus().find("cmdm_relay_connections_refused_total{reason=\"tls\"}"),
            std::string::npos);
}

TEST(RelayConfigTest, RefusesAnUnknownKeyWithASuggestion) {
  Result<RelayConfig> c = parse_relay_config(
      config_text("/p", "/s", "https://mdm.example", "<key>DeviceCrl</key><string>/x</string>"),
      "relay.plist");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().format().find("unknown key 'DeviceCrl'; did you mean"), std::string::npos)
      << c.error().format();
}

TEST(RelayConfigTest, RefusesAVendorSectionThatIsNotADirectRoute) {
  std::string text = config_text("/p", "/s", "https://mdm.example", "");
  text.replace(text.find("<string>direct</string>"), 23, "<string>relay</string>");
  Result<RelayConfig> c = parse_relay_config(text, "relay.plist");
  ASSERT_FALSE(c);
}

TEST(RelayConfigTest, MetricsListenAcceptsOnlyLoopbackAddresses) {
  for (const char* listen : {"0.0.0.0:9100", "192.0.2.1:9100", "[::]:9100", "localhost:9100"}) {
    Result<RelayConfig> c = parse_relay_config(
        config_text("/p", "/s", "https://mdm.example",
                    std::string("<key>MetricsListen</key><string>") + listen + "</string>"),
        "relay.plist");
    ASSERT_FALSE(c) << listen;
    EXPECT_EQ(c.error().code, ExitCode::kDataError);
    EXPECT_NE(c.error().format().find("MetricsListen"), std::string::npos) << c.error().format();
    EXPECT_NE(c.error().format().find("loopback"), std::string::npos) << c.error().format();
  }
  Result<RelayConfig> v6 =
      parse_relay_config(config_text("/p", "/s", "https://mdm.example",
                                     "<key>MetricsListen</key><string>[::1]:9100</string>"),
                         "relay.plist");
  ASSERT_TRUE(v6) << v6.error().format();
  EXPECT_EQ(v6->metrics_host, "::1");
  EXPECT_EQ(v6->metrics_port, 9100);
}

TEST(RelayPolicyTest, PrivilegedTypesNeedToBeNamed) {
  Policy policy{.allow_device_profiles = true, .allowed_payload_types = {"com.apple.mdm"}};
  ProfileFacts mdm{.identifier = "x", .payload_types = {"com.apple.mdm"}};
  ASSERT_TRUE(check_profile(policy, mdm));
  EXPECT_EQ(check_profile(policy, mdm)->code, "privileged_type");
  policy.allowed_privileged_types = {"com.apple.mdm"};
  EXPECT_FALSE(check_profile(policy, mdm));
  ProfileFacts wifi{.identifier = "x", .payload_types = {"com.apple.wifi.managed"}};
  EXPECT_EQ(check_profile(policy, wifi)->code, "type_not_allowed");
}

TEST(RelayIdentityTest, ReadsTheSubjectCommonName) {
  Result<std::string> pem = read_file(fixtures().pki + "/DEVICE-B.pem");
  ASSERT_TRUE(pem);
  Result<std::string> id = certificate_identity(*pem, IdentitySource::kSubjectCn);
  ASSERT_TRUE(id) << id.error().format();
  EXPECT_EQ(*id, "DEVICE-B");
  EXPECT_FALSE(certificate_identity(*pem, IdentitySource::kSanDns));
}

TEST(RelayStoreTest, AuditLogIsAppendOnly) {
  char pattern[] = "/tmp/cmdm-relay-store-XXXXXX";
  std::string dir = ::mkdtemp(pattern);
  Result<std::unique_ptr<Store>> store = open_sqlite_store(dir + "/relay.sqlite");
  ASSERT_TRUE(store);
  ASSERT_TRUE(
      (*store)->append_audit({.device = "D", .request = "install x", .decision = "refused"}));
  std::string out;
  // sqlite3's shell may be absent; the trigger is checked through SQLite itself when it is there.
  if (run({"/usr/bin/sqlite3", dir + "/relay.sqlite", "DELETE FROM audit;"}, &out) != -1 &&
      std::filesystem::exists("/usr/bin/sqlite3")) {
    EXPECT_NE(out.find("append-only"), std::string::npos) << out;
  }
  EXPECT_EQ((*store)->audit("D")->size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cmdm::relay
