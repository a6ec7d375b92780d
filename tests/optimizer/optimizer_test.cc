#include "optimizer/optimizer.h"

#include <gtest/gtest.h>

#include <set>

#include "optimizer/invariants.h"
#include "plist/reader.h"
#include "tests/optimizer/fake_target.h"

namespace cmdm::optimizer {
namespace {

using plist::Array;
using plist::Dict;
using plist::Value;
using testing::fake_workspaceone;
using testing::make_target;

Value payload(const std::string& type, const std::string& id, const std::string& uuid) {
  Dict d;
  d.set("PayloadType", type);
  d.set("PayloadIdentifier", id);
  d.set("PayloadUUID", uuid);
  d.set("PayloadVersion", 1);
  d.set("PayloadDisplayName", "Display " + id);
  d.set("PayloadDescription", "A description that only a person reads");
  d.set("PayloadOrganization", "Example Org");
  return Value(std::move(d));
}

Value sample_profile() {
  Dict root;
  root.set("PayloadDisplayName", "Sample profile");
  root.set("PayloadDescription", "Shown in System Settings only");
  root.set("PayloadOrganization", "Example Org");
  root.set("PayloadIdentifier", "com.example.sample");
  root.set("PayloadUUID", "6F1D2A4E-4E3F-4B8A-9C1D-0A1B2C3D4E5F");
  root.set("PayloadType", "Configuration");
  root.set("PayloadVersion", 1);
  root.set("ConsentText", Dict());
  root.find("ConsentText")->as_dict().set("default", "Please accept this profile");
  Value dns = payload("com.apple.dnsSettings.managed", "com.example.sample.dns",
                      "A1B2C3D4-0000-4000-8000-000000000001");
  Dict settings;
  settings.set("DNSProtocol", "HTTPS");
  settings.set("ServerURL", "https://dns.example.com/dns-query");
  dns.as_dict().set("DNSSettings", std::move(settings));
  dns.as_dict().set("NotInSchema", "ignored by the device");
  Value custom = payload("com.google.Chrome", "com.example.sample.chrome",
                         "A1B2C3D4-0000-4000-8000-000000000002");
  custom.as_dict().set("HomepageLocation", "https://example.com");
  custom.as_dict().set("NotInSchema", "an app's own key");
  root.set("PayloadContent", Array{dns, custom});
  return Value(std::move(root));
}

OptimizeOptions options_for(Level level, const emitters::Target& target = fake_workspaceone()) {
  OptimizeOptions o;
  o.level = level;
  o.target = &target;
  o.validate_each_pass = true;
  return o;
}

TEST(Levels, ParseKnownNamesAndSuggestForTypos) {
  EXPECT_EQ(*parse_level("safe"), Level::kSafe);
  Result<Level> bad = parse_level("agressive");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().format().find("did you mean 'aggressive'?"), std::string::npos);
}

TEST(Registry, EveryPassHasIdDescriptionAndFactory) {
  std::set<std::string_view> ids;
  for (const PassInfo& p : passes()) {
    EXPECT_TRUE(ids.insert(p.id).second) << p.id;
    EXPECT_FALSE(p.description.empty());
    EXPECT_NE(p.factory(), nullptr);
  }
  Result<const PassInfo*> typo = find_pass("drop-cosmetic-key");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().format().find("did you mean 'drop-cosmetic-keys'?"), std::string::npos);
}

TEST(Optimize, LosslessKeepsEveryKeyAndValue) {
  Value in = sample_profile();
  Result<Optimized> r = optimize(in, options_for(Level::kLossless));
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(r->profile, in);
  EXPECT_EQ(r->encoding, minimal_xml_encoding());
  EXPECT_EQ(r->bytes.rfind("<?xml", 0), 0u);
  EXPECT_EQ(r->command_size, testing::command_xml_size(r->bytes));
  EXPECT_EQ(r->command_size, r->baseline_command_size);
}

TEST(Optimize, SafeDropsDisplayOnlyKeysButKeepsTheProfileName) {
  Result<Optimized> r = optimize(sample_profile(), options_for(Level::kSafe));
  ASSERT_TRUE(r.ok()) << r.error().format();
  const Value& p = r->profile;
  EXPECT_EQ(*p.get_string("PayloadDisplayName"), "Sample profile");
  EXPECT_EQ(p.get("PayloadDescription"), nullptr);
  EXPECT_EQ(p.get("PayloadOrganization"), nullptr);
  for (const Value& payload : p.get("PayloadContent")->as_array()) {
    EXPECT_EQ(payload.get("PayloadDisplayName"), nullptr);
    EXPECT_EQ(payload.get("PayloadDescription"), nullptr);
    EXPECT_NE(payload.get("NotInSchema"), nullptr);
  }
  EXPECT_NE(p.get("ConsentText"), nullptr);  // aggressive only
  EXPECT_FALSE(r->encoding.xml.declaration);
  EXPECT_FALSE(r->encoding.xml.doctype);
  EXPECT_EQ(r->bytes.rfind("<plist version=\"1.0\"><dict>", 0), 0u);
  EXPECT_LT(r->command_size, r->baseline_command_size);
}

TEST(Optimize, AggressivePicksBinaryWhenTheTargetAcceptsIt) {
  Result<Optimized> r = optimize(sample_profile(), options_for(Level::kAggressive));
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(r->encoding.format, Encoding::Format::kBinary);
  EXPECT_EQ(r->bytes.rfind("bplist00", 0), 0u);
  EXPECT_EQ(r->profile.get("ConsentText"), nullptr);
}

// libplist's binary writer is quadratic in a dict's size: past the pass's budget of values the
// profile stays XML, with a note, instead of taking minutes (a 200,000-key dict took 77 s).
TEST(Optimize, AProfileWithMoreValuesThanTheBinaryBudgetStaysXmlWithANote) {
  Value big = sample_profile();
  plist::Array many;
  for (int i = 0; i < 50001; ++i) many.push_back(Value(i));
  big.as_dict().find("PayloadContent")->as_array()[0].as_dict().append("Many", Value(many));
  Result<Optimized> r = optimize(big, options_for(Level::kAggressive));
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(r->encoding.format, Encoding::Format::kXml);
  bool noted = false;
  for (const std::string& n : r->notes)
    noted |= n.find("binary-plist: more than 50000 values") == 0;
  EXPECT_TRUE(noted);
}

TEST(Optimize, AggressiveWritesABareDictWhenTheTargetTakesOnlyXml) {
  emitters::Target xml_only = make_target("xmlonly", 2000, false, true);
  Result<Optimized> r = optimize(sample_profile(), options_for(Level::kAggressive, xml_only));
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(r->encoding.format, Encoding::Format::kXml);
  EXPECT_EQ(r->bytes.rfind("<dict>", 0), 0u);
  bool noted = false;
  for (const std::string& n : r->notes) noted |= n.find("binary-plist: target xmlonly") == 0;
  EXPECT_TRUE(noted);
}

TEST(Optimize, ConsentTextStaysForLocalInstall) {
  emitters::Target local = make_target("local", 0, true, false);
  Result<Optimized> r = optimize(sample_profile(), options_for(Level::kAggressive, local));
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_NE(r->profile.get("ConsentText"), nullptr);
  EXPECT_TRUE(r->fits);  // no limit
}

TEST(Optimize, ShortPayloadUuidsAreUniqueDeterministicAndKeepTheProfileUuid) {
  Value in = sample_profile();
  Result<Optimized> a = optimize(in, options_for(Level::kAggressive));
  Result<Optimized> b = optimize(in, options_for(Level::kAggressive));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bytes, b->bytes);
  EXPECT_EQ(*a->profile.get_string("PayloadUUID"), *in.get_string("PayloadUUID"));
  EXPECT_EQ(*a->profile.get_string("PayloadIdentifier"), "com.example.sample");
  std::set<std::string> uuids;
  for (const Value& p : a->profile.get("PayloadContent")->as_array()) {
    const std::string& u = *p.get_string("PayloadUUID");
    EXPECT_EQ(u.size(), 8u);
    EXPECT_TRUE(uuids.insert(u).second);
  }
}

TEST(Optimize, ShortPayloadUuidsKeepAUuidAnotherPayloadRefersTo) {
  Value in = sample_profile();
  Array& content = in.get("PayloadContent")->as_array();
  const std::string cert_uuid = *content[0].get_string("PayloadUUID");
  content[1].as_dict().set("PayloadCertificateUUID", cert_uuid);
  Result<Optimized> r = optimize(in, options_for(Level::kAggressive));
  ASSERT_TRUE(r.ok()) << r.error().format();
  const Array& out = r->profile.get("PayloadContent")->as_array();
  EXPECT_EQ(*out[0].get_string("PayloadUUID"), cert_uuid);
  EXPECT_EQ(*out[1].get_string("PayloadCertificateUUID"), cert_uuid);
  EXPECT_EQ(out[1].get_string("PayloadUUID")->size(), 8u);
}

TEST(Optimize, UnknownKeysStayWithoutASchemaAndTheNoteSaysSo) {
  Result<Optimized> r = optimize(sample_profile(), options_for(Level::kAggressive));
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->profile.get("PayloadContent")->as_array()[0].get("NotInSchema"), nullptr);
  bool noted = false;
  for (const std::string& n : r->notes) noted |= n.find("drop-unknown-keys: no schema") == 0;
  EXPECT_TRUE(noted);
}

TEST(Optimize, NoPassAndPassChooseWhatRuns) {
  OptimizeOptions o = options_for(Level::kSafe);
  o.disable = {"drop-cosmetic-keys"};
  o.enable = {"drop-consent-text"};
  Result<Optimized> r = optimize(sample_profile(), o);
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_NE(r->profile.get("PayloadDescription"), nullptr);
  EXPECT_EQ(r->profile.get("ConsentText"), nullptr);
  o.enable = {"binary-plst"};
  Result<Optimized> bad = optimize(sample_profile(), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ExitCode::kUsage);
  EXPECT_NE(bad.error().format().find("did you mean 'binary-plist'?"), std::string::npos);
}

TEST(Optimize, SavingsAddUpToTheMeasuredReduction) {
  Result<Optimized> r = optimize(sample_profile(), options_for(Level::kAggressive));
  ASSERT_TRUE(r.ok());
  long long total = 0;
  for (const PassSaving& s : r->savings) {
    EXPECT_GE(s.chars, 0) << s.id;
    total += s.chars;
  }
  EXPECT_EQ(total, static_cast<long long>(r->baseline_command_size) -
                       static_cast<long long>(r->command_size));
  EXPECT_GE(r->rounds, 2);  // the last round is the one that found nothing more
}

TEST(Optimize, LimitOverrideDecidesFit) {
  OptimizeOptions o = options_for(Level::kLossless);
  o.limit = 100;
  Result<Optimized> r = optimize(sample_profile(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->limit, 100u);
  EXPECT_FALSE(r->fits);
  o.limit = 100000;
  EXPECT_TRUE(optimize(sample_profile(), o)->fits);
}

TEST(Optimize, OptimizedBytesReadBackToTheOptimizedProfile) {
  for (Level level : {Level::kLossless, Level::kSafe, Level::kAggressive}) {
    Result<Optimized> r = optimize(sample_profile(), options_for(level));
    ASSERT_TRUE(r.ok());
    Result<plist::Document> back = plist::read(r->bytes);
    ASSERT_TRUE(back.ok()) << level_name(level) << ": " << back.error().format();
    EXPECT_EQ(back->root, r->profile) << level_name(level);
  }
}

TEST(Invariants, NameThePassThatChangedAManagedValue) {
  Value in = sample_profile();
  Value out = in;
  out.get("PayloadContent")
      ->as_array()[1]
      .as_dict()
      .set("HomepageLocation", "https://evil.example");
  Status s = check_invariants(in, out, Level::kAggressive, nullptr, true, "some-pass");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ExitCode::kInternal);
  EXPECT_NE(s.error().format().find("pass 'some-pass' broke an invariant: changed a value"),
            std::string::npos);
  EXPECT_NE(s.error().format().find("PayloadContent[1].HomepageLocation"), std::string::npos);
}

TEST(Invariants, RejectAChangedProfileIdentityAndDuplicatedPayloadUuids) {
  Value in = sample_profile();
  Value renamed = in;
  renamed.as_dict().set("PayloadUUID", "short");
  EXPECT_FALSE(check_invariants(in, renamed, Level::kAggressive, nullptr, true, "p").ok());
  Value dup = in;
  Array& c = dup.get("PayloadContent")->as_array();
  c[0].as_dict().set("PayloadUUID", "SAME");
  c[1].as_dict().set("PayloadUUID", "SAME");
  Status s = check_invariants(in, dup, Level::kAggressive, nullptr, true, "p");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().format().find("no longer unique"), std::string::npos);
}

TEST(Invariants, KeepDroppedKeysToTheirLevel) {
  Value in = sample_profile();
  Value out = in;
  out.as_dict().erase("PayloadDescription");
  EXPECT_FALSE(check_invariants(in, out, Level::kLossless, nullptr, true, "p").ok());
  EXPECT_TRUE(check_invariants(in, out, Level::kSafe, nullptr, true, "p").ok());
  Value name = in;
  name.as_dict().erase("PayloadDisplayName");
  EXPECT_FALSE(check_invariants(in, name, Level::kAggressive, nullptr, true, "p").ok());
  Value custom = in;
  custom.get("PayloadContent")->as_array()[1].as_dict().erase("NotInSchema");
  EXPECT_FALSE(check_invariants(in, custom, Level::kAggressive, nullptr, true, "p").ok());
}

}  // namespace
}  // namespace cmdm::optimizer
