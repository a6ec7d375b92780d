// The build's contract with senders (manifest version 2): requests and slots per route, part
// scope, order, owners and digests, vendor refusals at build time, and the signed manifest.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "emitters/bundle.h"
#include "pipeline/build.h"
#include "pipeline/trust.h"
#include "plist/file_io.h"
#include "plist/hash.h"
#include "signer/signer.h"

namespace cmdm::pipeline {
namespace {

namespace fs = std::filesystem;

const std::string kExamples = std::string(CMDM_SOURCE_DIR) + "/testdata/examples/";
const std::string kData = std::string(CMDM_SOURCE_DIR) + "/testdata/pipeline/";

SourceInput source(const std::string& path, const std::string& name) {
  Result<std::string> bytes = read_file(path);
  EXPECT_TRUE(bytes.ok()) << path;
  return {name, bytes.ok() ? *bytes : std::string()};
}

BuildOptions options_for(const std::string& targets) {
  BuildOptions o;
  o.targets = *emitters::parse_target_list(targets);
  o.generator = "cmdm test";
  o.vendor.jamf_scope = "all-computers";
  return o;
}

signer::Identity test_identity() {
  signer::IdentitySource s;
  s.key = *read_file(kExamples + "keys/test-only-key.pem");
  s.cert = *read_file(kExamples + "keys/test-only-cert.pem");
  return *signer::load_identity(s);
}

std::map<std::string, std::string> by_path(const std::vector<emitters::Artifact>& artifacts) {
  std::map<std::string, std::string> m;
  for (const auto& a : artifacts) m[a.path] = a.bytes;
  return m;
}

TEST(Contract, PrivacyProfileTooLargeForWorkspaceOneIsUndeliverableWithoutSchemas) {
  // No --schemas: the built-in list still knows TCC is MDM-only, so even with --allow-local the
  // part that does not fit is undeliverable, never local.
  BuildOptions o = options_for("workspaceone");
  o.local_allowed = true;
  ASSERT_EQ(o.schema, nullptr);
  Result<BuildOutput> out = build({source(kData + "large-pppc.mobileconfig", "pppc")}, o);
  ASSERT_TRUE(out.ok()) << out.error().format();
  bool saw_tcc = false;
  for (const emitters::Part& p : out->manifest.sources[0].parts) {
    for (const std::string& type : p.payload_types) {
      if (type != "com.apple.TCC.configuration-profile-policy") continue;
      saw_tcc = true;
      EXPECT_NE(p.routes[0].route, emitters::Route::kLocal) << p.identifier;
      if (p.routes[0].route == emitters::Route::kUndeliverable) {
        EXPECT_NE(p.routes[0].reason.find("installed only through an MDM"), std::string::npos);
      }
    }
  }
  EXPECT_TRUE(saw_tcc);
  EXPECT_EQ(out->routed_local, 0u);
  EXPECT_GE(out->undeliverable, 1u);
}

// fleetdm/fleet server/datastore/mysql/schema.sql, mdm_apple_configuration_profiles:
//   UNIQUE KEY `idx_mdm_apple_config_prof_team_name` (`team_id`,`name`)
// where `name` is the profile's PayloadDisplayName: parts of one split source that share a name
// collide (409, "MDMAppleConfigProfile.PayloadDisplayName already exists").
TEST(Contract, SplitPartsGetDistinctStableDisplayNames) {
  BuildOptions o = options_for("workspaceone,fleet");
  Result<BuildOutput> a =
      build({source(kExamples + "security-baseline.mobileconfig", "baseline")}, o);
  ASSERT_TRUE(a.ok()) << a.error().format();
  const auto& parts = a->manifest.sources[0].parts;
  ASSERT_GT(parts.size(), 1u);
  std::set<std::string> names;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string want = a->manifest.sources[0].display_name + " (" + std::to_string(i + 1) +
                             " of " + std::to_string(parts.size()) + ")";
    EXPECT_EQ(parts[i].display_name, want);
    names.insert(parts[i].display_name);
    // The profile itself carries the name (Fleet reads PayloadDisplayName from it).
    std::string profile = by_path(a->artifacts).at(parts[i].profile);
    EXPECT_NE(profile.find("<string>" + want + "</string>"), std::string::npos);
  }
  EXPECT_EQ(names.size(), parts.size());
  Result<BuildOutput> b =
      build({source(kExamples + "security-baseline.mobileconfig", "baseline")}, o);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(by_path(a->artifacts), by_path(b->artifacts));
}

TEST(Contract, FleetProfilesKeepTheXmlDeclarationAtEveryLevel) {
  BuildOptions o = options_for("fleet-profiles");
  o.level = emitters::Level::kAggressive;
  Result<BuildOutput> out =
      build({source(kExamples + "safari-homepage.mobileconfig", "safari")}, o);
  ASSERT_TRUE(out.ok()) << out.error().format();
  const emitters::Part& p = out->manifest.sources[0].parts[0];
  EXPECT_EQ(p.encoding, emitters::Format::kXml);
  EXPECT_TRUE(by_path(out->artifacts).at(p.profile).starts_with("<?xml"));
  const emitters::TargetRoute& r = p.routes[0];
  ASSERT_EQ(r.route, emitters::Route::kMdm);
  ASSERT_EQ(r.requests.size(), 4u);
  EXPECT_EQ(r.requests[0].content_type.rfind("multipart/form-data; boundary=cmdm-", 0), 0u);
  const std::string body = by_path(out->artifacts).at(r.install);
  EXPECT_EQ(body.rfind("--" + r.requests[0].content_type.substr(30) + "\r\n", 0), 0u);
}

TEST(Contract, FleetRefusalsAreReportedAtBuildTime) {
  Result<BuildOutput> out = build({source(kData + "filevault.mobileconfig", "fv")},
                                  options_for("fleet-profiles,workspaceone"));
  ASSERT_TRUE(out.ok()) << out.error().format();
  const emitters::Part& p = out->manifest.sources[0].parts[0];
  EXPECT_EQ(p.routes[0].route, emitters::Route::kUndeliverable);
  EXPECT_NE(p.routes[0].reason.find("Fleet manages FileVault"), std::string::npos);
  EXPECT_TRUE(p.routes[0].requests.empty());
  EXPECT_EQ(p.routes[1].route, emitters::Route::kMdm);  // Workspace ONE takes it
}

TEST(Contract, JamfWithoutAScopeIsAUsageError) {
  BuildOptions o = options_for("jamf");
  o.vendor.jamf_scope.clear();
  Result<BuildOutput> out =
      build({source(kExamples + "safari-homepage.mobileconfig", "safari")}, o);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ExitCode::kUsage);
  EXPECT_NE(out.error().format().find("--jamf-scope"), std::string::npos);
}

TEST(Contract, EverySlotOfEveryRequestIsListedAndItsPlaceholderIsInTheBody) {
  Result<BuildOutput> out = build({source(kExamples + "safari-homepage.mobileconfig", "safari")},
                                  options_for("workspaceone,micromdm,nanomdm,fleet,raw"));
  ASSERT_TRUE(out.ok()) << out.error().format();
  auto files = by_path(out->artifacts);
  for (const emitters::TargetRoute& r : out->manifest.sources[0].parts[0].routes) {
    ASSERT_FALSE(r.requests.empty()) << r.target;
    for (const emitters::Request& q : r.requests) {
      ASSERT_FALSE(q.body.empty()) << r.target;
      EXPECT_EQ(plist::sha256_hex(files.at(q.body)), q.body_sha256);
      for (const emitters::RequestSlot& s : q.slots) {
        if (s.where == "path") {
          EXPECT_NE(q.path.find(s.placeholder), std::string::npos) << r.target << " " << s.name;
        } else if (s.where == "body") {
          EXPECT_NE(files.at(q.body).find(s.placeholder), std::string::npos) << r.target;
        }
      }
    }
  }
}

TEST(Contract, ACertificateAnotherPartReferencesInstallsFirst) {
  // wifi-before-cert: the Wi-Fi profile comes first and points at the certificate's PayloadUUID
  // in the second profile; the certificate's part gets the lower order.
  Result<BuildOutput> out = build({source(kData + "wifi-uses-cert.mobileconfig", "wifi"),
                                   source(kData + "root-cert.mobileconfig", "cert")},
                                  options_for("nanomdm"));
  ASSERT_TRUE(out.ok()) << out.error().format();
  const emitters::Part& wifi = out->manifest.sources[0].parts[0];
  const emitters::Part& cert = out->manifest.sources[1].parts[0];
  EXPECT_EQ(cert.order, 0u);
  EXPECT_EQ(wifi.order, 1u);
}

TEST(Contract, OwnsListsEveryPartAndDigestIgnoresTheSignature) {
  signer::Identity identity = test_identity();
  BuildOptions o = options_for("nanomdm");
  Result<BuildOutput> plain =
      build({source(kExamples + "security-baseline.mobileconfig", "baseline")}, o);
  o.identity = &identity;
  o.policy = SigningPolicy::kRequireSigned;
  Result<BuildOutput> signed_out =
      build({source(kExamples + "security-baseline.mobileconfig", "baseline")}, o);
  ASSERT_TRUE(plain.ok() && signed_out.ok());
  const emitters::SourceEntry& a = plain->manifest.sources[0];
  const emitters::SourceEntry& b = signed_out->manifest.sources[0];
  ASSERT_EQ(a.owns.size(), a.parts.size());
  for (std::size_t i = 0; i < a.parts.size(); ++i) {
    EXPECT_EQ(a.owns[i], a.parts[i].identifier);
    EXPECT_TRUE(b.parts[i].is_signed);
    EXPECT_NE(a.parts[i].sha256, b.parts[i].sha256);
    EXPECT_EQ(a.parts[i].digest, b.parts[i].digest);
  }
}

class SignedOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cmdm-contract-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    identity_ = std::make_unique<signer::Identity>(test_identity());
    BuildOptions o = options_for("nanomdm");
    o.identity = identity_.get();
    o.signing_time = 1767225600;
    Result<BuildRun> run =
        run_build({kExamples + "safari-homepage.mobileconfig"}, (dir_ / "out").string(), true, o);
    ASSERT_TRUE(run.ok()) << run.error().format();
    ca_ = {*read_file(kExamples + "keys/test-only-cert.pem")};
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string out() const { return (dir_ / "out").string(); }
  fs::path dir_;
  std::unique_ptr<signer::Identity> identity_;
  std::vector<std::string> ca_;
};

TEST_F(SignedOutput, VerifiesAndNamesTheFileThatChanged) {
  ASSERT_TRUE(fs::exists(dir_ / "out" / "manifest.json.p7s"));
  Status ok = verify_output(out(), ca_);
  ASSERT_TRUE(ok.ok()) << ok.error().format();
  const fs::path profile = dir_ / "out" / "profiles" / "com.example.safari.homepage.mobileconfig";
  std::string bytes = *read_file(profile.string());
  bytes[bytes.size() / 2] ^= 1;
  ASSERT_TRUE(write_file_atomic(profile.string(), bytes).ok());
  Status changed = verify_output(out(), ca_);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().code, ExitCode::kCheckFailed);
  EXPECT_EQ(changed.error().diagnostics[0].file, profile.string());
}

TEST_F(SignedOutput, ATamperedManifestFailsTheSignature) {
  const std::string manifest = (dir_ / "out" / "manifest.json").string();
  std::string text = *read_file(manifest);
  text.replace(text.find("cmdm test"), 9, "cmdm evil");
  ASSERT_TRUE(write_file_atomic(manifest, text).ok());
  Status s = verify_output(out(), ca_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ExitCode::kCheckFailed);
  EXPECT_NE(s.error().format().find("manifest.json"), std::string::npos);
}

TEST_F(SignedOutput, UnbundleWithCaRefusesARepackedBundleAndWritesNothing) {
  const std::string bundle = (dir_ / "out" / "bundle.cmdm").string();
  Result<emitters::WriteStats> good = unbundle(bundle, (dir_ / "good").string(), {}, ca_);
  ASSERT_TRUE(good.ok()) << good.error().format();
  EXPECT_TRUE(fs::exists(dir_ / "good" / "manifest.json.p7s"));
  // Repack with one profile changed and the manifest updated to match: every hash in the bundle
  // is consistent, but the manifest is no longer the one CI signed.
  Result<std::vector<emitters::Artifact>> entries =
      emitters::read_bundle(*read_file(bundle), bundle);
  ASSERT_TRUE(entries.ok());
  for (emitters::Artifact& a : *entries) {
    if (a.path.starts_with("profiles/")) a.bytes += "\n";
    a.sha256.clear();
  }
  for (emitters::Artifact& a : *entries) {
    if (a.path != "manifest.json") continue;
    Result<emitters::Manifest> parsed = emitters::read_manifest(a.bytes);
    ASSERT_TRUE(parsed.ok());
    emitters::list_files(*parsed, *entries);
    a.bytes = emitters::write_manifest(*parsed);
  }
  Result<std::string> repacked = emitters::write_bundle(*entries);
  ASSERT_TRUE(repacked.ok());
  const std::string evil = (dir_ / "evil.cmdm").string();
  ASSERT_TRUE(write_file_atomic(evil, *repacked).ok());
  Result<emitters::WriteStats> bad = unbundle(evil, (dir_ / "bad").string(), {}, ca_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ExitCode::kCheckFailed);
  EXPECT_NE(bad.error().format().find("manifest.json"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "bad"));
  // Without the signature at all: refused as unsigned.
  std::vector<emitters::Artifact> unsigned_entries;
  for (emitters::Artifact& a : *entries) {
    if (a.path != emitters::kManifestSignatureName) unsigned_entries.push_back(a);
  }
  ASSERT_TRUE(write_file_atomic(evil, *emitters::write_bundle(unsigned_entries)).ok());
  bad = unbundle(evil, (dir_ / "bad").string(), {}, ca_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().format().find("not signed"), std::string::npos);
}

TEST_F(SignedOutput, AnUnsignedRebuildRemovesTheOldSignature) {
  BuildOptions o = options_for("nanomdm");
  Result<BuildRun> run = run_build({kExamples + "safari-homepage.mobileconfig"}, out(), false, o);
  ASSERT_TRUE(run.ok()) << run.error().format();
  EXPECT_FALSE(fs::exists(dir_ / "out" / "manifest.json.p7s"));
}

}  // namespace
}  // namespace cmdm::pipeline
