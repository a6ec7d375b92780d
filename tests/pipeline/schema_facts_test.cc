#include "pipeline/schema_facts.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "optimizer/optimizer.h"
#include "tests/optimizer/fake_target.h"

namespace cmdm::pipeline {
namespace {

using optimizer::Level;
using optimizer::Optimized;
using optimizer::OptimizeOptions;
namespace testing = optimizer::testing;

namespace fs = std::filesystem;

std::string fixture() { return std::string(CMDM_SOURCE_DIR) + "/testdata/optimizer-schema"; }

TEST(Schema, TellsClosedOpenAndUnknownTypesApart) {
  Result<optimizer::SchemaFacts> s = load_schema_facts(fixture());
  ASSERT_TRUE(s.ok()) << s.error().format();
  EXPECT_EQ(s->kind("com.apple.dnsSettings.managed"), optimizer::SchemaFacts::Kind::kClosed);
  EXPECT_EQ(s->kind("com.apple.ManagedClient.preferences"), optimizer::SchemaFacts::Kind::kOpen);
  EXPECT_EQ(s->kind("com.google.Chrome"), optimizer::SchemaFacts::Kind::kUnknown);
  EXPECT_TRUE(s->knows_key("com.apple.dnsSettings.managed", "DNSSettings"));
  EXPECT_TRUE(s->knows_key("com.apple.dnsSettings.managed", "PayloadUUID"));
  EXPECT_FALSE(s->knows_key("com.apple.dnsSettings.managed", "Comment"));
  EXPECT_EQ(s->reference_keys().count("PayloadCertificateUUID"), 1u);
  EXPECT_FALSE(s->macos_manual_install("com.apple.TCC.configuration-profile-policy"));
  EXPECT_TRUE(s->macos_manual_install("com.apple.dnsSettings.managed"));
  EXPECT_TRUE(s->macos_manual_install("com.google.Chrome"));  // not described: not refused
}

TEST(Schema, MissingDirectoryIsAnIoError) {
  Result<optimizer::SchemaFacts> s = load_schema_facts("/nonexistent/schema");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ExitCode::kIoError);
}

TEST(Schema, AggressiveDropsUnknownKeysOfClosedTypesOnly) {
  Result<optimizer::SchemaFacts> s = load_schema_facts(fixture());
  ASSERT_TRUE(s.ok());
  plist::Dict dns;
  dns.set("PayloadType", "com.apple.dnsSettings.managed");
  dns.set("PayloadIdentifier", "p.dns");
  dns.set("PayloadUUID", "A1B2C3D4-0000-4000-8000-000000000001");
  dns.set("DNSSettings", plist::Dict());
  dns.set("Comment", "not a key of this type");
  plist::Dict prefs;
  prefs.set("PayloadType", "com.apple.ManagedClient.preferences");
  prefs.set("PayloadIdentifier", "p.prefs");
  prefs.set("PayloadUUID", "A1B2C3D4-0000-4000-8000-000000000002");
  prefs.set("Comment", "open type: kept");
  plist::Dict root;
  root.set("PayloadIdentifier", "p");
  root.set("PayloadUUID", "A1B2C3D4-0000-4000-8000-000000000000");
  root.set("PayloadContent", plist::Array{plist::Value(dns), plist::Value(prefs)});
  OptimizeOptions o;
  o.level = Level::kAggressive;
  o.target = &testing::fake_workspaceone();
  o.schema = &s.value();
  o.validate_each_pass = true;
  Result<Optimized> r = optimizer::optimize(plist::Value(root), o);
  ASSERT_TRUE(r.ok()) << r.error().format();
  const plist::Array& c = r->profile.get("PayloadContent")->as_array();
  EXPECT_EQ(c[0].get("Comment"), nullptr);
  EXPECT_NE(c[0].get("DNSSettings"), nullptr);
  EXPECT_NE(c[1].get("Comment"), nullptr);
}

TEST(Schema, AppleSchemaFindsTheReferenceKeys) {
  const char* env = std::getenv("CMDM_SHARED");
  fs::path dir = fs::path(env ? env : CMDM_SHARED_DIR) / "apple-device-management";
  if (!fs::exists(dir)) GTEST_SKIP() << "no schema at " << dir;
  Result<optimizer::SchemaFacts> s = load_schema_facts(dir.string());
  ASSERT_TRUE(s.ok()) << s.error().format();
  for (const char* key :
       {"PayloadCertificateUUID", "PayloadCertificateAnchorUUID", "EncryptCertPayloadUUID",
        "SMIMESigningCertificateUUID", "IdentityCertificateUUID", "VPNUUID"}) {
    EXPECT_EQ(s->reference_keys().count(key), 1u) << key;
  }
  EXPECT_EQ(s->reference_keys().count("OrganizationUUID"), 0u);
  // Every payload type but the two pseudo-types (CommonPayloadKeys, TopLevel) is described.
  EXPECT_GE(s->type_count(), 120u);
  EXPECT_TRUE(s->macos_multiple("com.apple.security.pkcs12"));
  EXPECT_FALSE(s->macos_multiple("com.apple.dock"));
  EXPECT_EQ(s->kind("com.apple.ManagedClient.preferences"), optimizer::SchemaFacts::Kind::kOpen);
  EXPECT_EQ(s->kind("com.apple.dnsSettings.managed"), optimizer::SchemaFacts::Kind::kClosed);
  EXPECT_TRUE(s->macos_multiple("com.apple.dnsSettings.managed"));
}

}  // namespace
}  // namespace cmdm::pipeline
