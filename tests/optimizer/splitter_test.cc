#include "optimizer/splitter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

#include "emitters/targets.h"
#include "optimizer/schema.h"
#include "pipeline/schema_facts.h"
#include "pipeline/source.h"
#include "plist/file_io.h"
#include "plist/writer.h"
#include "tests/optimizer/fake_target.h"

namespace cmdm::optimizer {
namespace {

using plist::Array;
using plist::Dict;
using plist::Value;

std::string uuid_for(int i) {
  char b[40];
  std::snprintf(b, sizeof b, "5A000000-0000-4000-8000-%012d", i);
  return b;
}

Value dns_payload(int i, std::size_t filler) {
  Dict d;
  d.set("PayloadType", "com.apple.dnsSettings.managed");
  d.set("PayloadIdentifier", "com.example.p" + std::to_string(i));
  d.set("PayloadUUID", uuid_for(i));
  d.set("PayloadVersion", 1);
  Dict s;
  s.set("DNSProtocol", "HTTPS");
  s.set("ServerURL",
        "https://" + std::string(filler, 'a' + static_cast<char>(i % 26)) + ".example/q");
  d.set("DNSSettings", std::move(s));
  return Value(std::move(d));
}

Value profile_of(Array payloads) {
  Dict root;
  root.set("PayloadDisplayName", "Split me");
  root.set("PayloadIdentifier", "com.example.split");
  root.set("PayloadUUID", uuid_for(999));
  root.set("PayloadType", "Configuration");
  root.set("PayloadVersion", 1);
  root.set("PayloadRemovalDisallowed", true);
  root.set("PayloadContent", std::move(payloads));
  return Value(std::move(root));
}

SplitOptions options(Level level = Level::kLossless) {
  SplitOptions o;
  o.optimize.level = level;
  o.optimize.target = &testing::fake_workspaceone();
  return o;
}

TEST(Splitter, AProfileThatFitsStaysOnePartWithItsOwnIdentity) {
  Value p = profile_of(Array{dns_payload(1, 10)});
  Result<Split> s = split(p, options());
  ASSERT_TRUE(s.ok()) << s.error().format();
  ASSERT_EQ(s->parts.size(), 1u);
  EXPECT_TRUE(s->whole_fits);
  EXPECT_EQ(s->parts[0].identifier, "com.example.split");
  EXPECT_EQ(s->parts[0].uuid, uuid_for(999));
}

TEST(Splitter, EveryPartFitsAndCarriesTheProfileSettings) {
  Array payloads;
  for (int i = 0; i < 6; ++i) payloads.push_back(dns_payload(i, 300));
  Result<Split> s = split(profile_of(payloads), options());
  ASSERT_TRUE(s.ok()) << s.error().format();
  EXPECT_FALSE(s->whole_fits);
  EXPECT_GT(s->parts.size(), 1u);
  std::set<std::string> ids, uuids;
  for (const SplitPart& part : s->parts) {
    EXPECT_TRUE(part.optimized.fits) << part.optimized.command_size;
    EXPECT_EQ(part.reason, "");
    EXPECT_EQ(part.identifier.rfind("com.example.split.part-", 0), 0u);
    EXPECT_TRUE(ids.insert(part.identifier).second);
    EXPECT_TRUE(uuids.insert(part.uuid).second);
    EXPECT_EQ(*part.optimized.profile.get("PayloadRemovalDisallowed"), Value(true));
    EXPECT_EQ(*part.optimized.profile.get_string("PayloadIdentifier"), part.identifier);
  }
  EXPECT_EQ(Value(merge_back(*s)), *profile_of(payloads).get("PayloadContent"));
}

TEST(Splitter, KeepsCertificateWithThePayloadThatUsesIt) {
  Array payloads;
  for (int i = 0; i < 5; ++i) payloads.push_back(dns_payload(i, 300));
  payloads[4].as_dict().set("PayloadCertificateUUID", uuid_for(0));
  Result<Split> s = split(profile_of(payloads), options());
  ASSERT_TRUE(s.ok());
  for (const SplitPart& part : s->parts) {
    std::set<std::string> in;
    for (const PartPayload& pp : part.payloads) in.insert(pp.identifier);
    EXPECT_EQ(in.count("com.example.p0"), in.count("com.example.p4"));
  }
}

// Where such a part goes (local or undeliverable) is the pipeline's routing rule
// (tests/pipeline/routing_test.cc); the splitter says that it does not fit and by how much.
TEST(Splitter, APayloadTooLargeAloneGetsAPartOfItsOwnThatSaysByHowMuch) {
  Value p = profile_of(Array{dns_payload(1, 100), dns_payload(2, 2500)});
  Result<Split> s = split(p, options());
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->parts.size(), 2u);
  EXPECT_FALSE(s->all_fit());
  const SplitPart& big = s->parts[1];
  EXPECT_FALSE(big.optimized.fits);
  EXPECT_NE(big.reason.find("over the limit of 2000"), std::string::npos) << big.reason;
}

// Privacy preferences: macOS installs them only through an MDM (the schema's
// allowmanualinstall: false), so no option makes an oversized one `local`.
TEST(Splitter, AnMdmOnlyPayloadTooLargeAloneIsNamedAsSuch) {
  Result<SchemaFacts> schema =
      pipeline::load_schema_facts(std::string(CMDM_SOURCE_DIR) + "/testdata/optimizer-schema");
  ASSERT_TRUE(schema.ok()) << schema.error().format();
  Dict tcc;
  tcc.set("PayloadType", "com.apple.TCC.configuration-profile-policy");
  tcc.set("PayloadIdentifier", "com.example.tcc");
  tcc.set("PayloadUUID", uuid_for(7));
  tcc.set("PayloadVersion", 1);
  // One app entry whose code requirement alone is over the limit: no division can make it fit.
  Array apps;
  Dict app;
  app.set("Identifier", "com.example.app");
  app.set("CodeRequirement",
          "identifier \"com.example.app\" and anchor apple generic and certificate leaf = H\"" +
              std::string(2400, 'A') + "\"");
  app.set("Allowed", true);
  apps.push_back(Value(std::move(app)));
  Dict services;
  services.set("SystemPolicyAllFiles", std::move(apps));
  tcc.set("Services", std::move(services));
  Value p = profile_of(Array{dns_payload(1, 100), Value(std::move(tcc))});
  SplitOptions o = options();
  o.optimize.schema = &schema.value();
  Result<Split> s = split(p, o);
  ASSERT_TRUE(s.ok()) << s.error().format();
  bool found = false;
  for (const SplitPart& part : s->parts) {
    if (part.optimized.fits) continue;
    found = true;
    EXPECT_EQ(mdm_only_type(part.payloads, &schema.value()),
              "com.apple.TCC.configuration-profile-policy");
  }
  EXPECT_TRUE(found) << "the privacy payload should not fit alone";
  // Without a schema the built-in list (optimizer/mdm_only.h) still names it; the DNS payload is
  // not MDM-only either way.
  o.optimize.schema = nullptr;
  Result<Split> builtin = split(p, o);
  ASSERT_TRUE(builtin.ok());
  for (const SplitPart& part : builtin->parts) {
    EXPECT_EQ(mdm_only_type(part.payloads, nullptr),
              part.optimized.fits ? "" : "com.apple.TCC.configuration-profile-policy");
  }
}

TEST(Splitter, DividesCustomSettingsByKeyWhenOneDomainCannotFit) {
  Dict settings;
  for (int k = 0; k < 12; ++k) settings.set("Key" + std::to_string(k), std::string(150, 'v'));
  Dict forced;
  forced.set("mcx_preference_settings", std::move(settings));
  Dict domain;
  domain.set("Forced", Array{Value(std::move(forced))});
  Dict content;
  content.set("com.example.app", std::move(domain));
  Dict payload;
  payload.set("PayloadType", "com.apple.ManagedClient.preferences");
  payload.set("PayloadIdentifier", "com.example.mcx");
  payload.set("PayloadUUID", uuid_for(7));
  payload.set("PayloadVersion", 1);
  payload.set("PayloadContent", std::move(content));
  Value p = profile_of(Array{Value(payload)});
  Result<Split> s = split(p, options());
  ASSERT_TRUE(s.ok()) << s.error().format();
  EXPECT_GT(s->parts.size(), 1u);
  EXPECT_TRUE(s->all_fit());
  for (const SplitPart& part : s->parts) EXPECT_TRUE(part.payloads.at(0).piece);
  EXPECT_EQ(Value(merge_back(*s)), *p.get("PayloadContent"));
}

TEST(Splitter, AddingAPayloadLeavesTheOtherPartsIdentityUnchanged) {
  Array payloads;
  for (int i = 0; i < 8; ++i) payloads.push_back(dns_payload(i, 250 + 10 * i));
  Result<Split> before = split(profile_of(payloads), options());
  payloads.push_back(dns_payload(20, 40));  // small: joins a part (that part changes) or a new one
  Result<Split> after = split(profile_of(payloads), options());
  ASSERT_TRUE(before.ok() && after.ok());
  std::map<std::string, std::string> ids;
  for (const SplitPart& p : after->parts) ids[p.identifier] = p.uuid;
  std::size_t kept = 0;
  for (const SplitPart& p : before->parts) {
    bool unrelated = true;
    for (const SplitPart& q : after->parts) {
      for (const PartPayload& pp : q.payloads) {
        if (pp.identifier == "com.example.p20") {
          for (const PartPayload& mine : p.payloads) {
            for (const PartPayload& theirs : q.payloads)
              unrelated &= mine.identifier != theirs.identifier;
          }
        }
      }
    }
    if (!unrelated) continue;
    ASSERT_TRUE(ids.count(p.identifier)) << p.identifier;
    EXPECT_EQ(ids[p.identifier], p.uuid);
    ++kept;
  }
  EXPECT_GE(kept, before->parts.size() - 1);
}

// The fewest parts any division of the payloads needs, by dynamic programming over subsets.
std::size_t exhaustive_minimum(const Value& profile, const SplitOptions& o) {
  const Array& payloads = profile.get("PayloadContent")->as_array();
  const std::size_t n = payloads.size();
  std::vector<bool> fits(1u << n, false);
  for (std::size_t mask = 1; mask < fits.size(); ++mask) {
    Array subset;
    for (std::size_t i = 0; i < n; ++i)
      if (mask & (1u << i)) subset.push_back(payloads[i]);
    Value part = profile;
    part.as_dict().set("PayloadContent", std::move(subset));
    part.as_dict().set("PayloadIdentifier", "com.example.split.part-00000000");
    part.as_dict().set("PayloadUUID", uuid_for(998));
    // A payload too large for any part still takes one part of its own (routed off the MDM).
    fits[mask] = (mask & (mask - 1)) == 0 || optimize(part, o.optimize)->fits;
  }
  std::vector<std::size_t> best(1u << n, SIZE_MAX);
  best[0] = 0;
  for (std::size_t mask = 1; mask < best.size(); ++mask) {
    for (std::size_t sub = mask; sub; sub = (sub - 1) & mask) {
      if (fits[sub] && best[mask ^ sub] != SIZE_MAX)
        best[mask] = std::min(best[mask], best[mask ^ sub] + 1);
    }
  }
  return best.back();
}

TEST(Splitter, PartCountIsWithinOneOfTheExhaustiveMinimum) {
  std::mt19937 rng(42);
  for (int round = 0; round < 12; ++round) {
    std::size_t n = 3 + rng() % 6;
    Array payloads;
    for (std::size_t i = 0; i < n; ++i)
      payloads.push_back(dns_payload(static_cast<int>(i), 60 + rng() % 700));
    Value p = profile_of(payloads);
    SplitOptions o = options(round % 2 ? Level::kAggressive : Level::kLossless);
    Result<Split> s = split(p, o);
    ASSERT_TRUE(s.ok());
    std::size_t minimum = exhaustive_minimum(p, o);
    EXPECT_LE(s->parts.size(), minimum + 1) << "n=" << n << " round " << round;
    EXPECT_GE(s->parts.size(), minimum);
  }
}

// One custom-settings payload with `keys` settings in `domains` domains (keys spread over them).
Value custom_settings(int keys, int domains = 1, std::size_t value_size = 8) {
  std::vector<Dict> settings(static_cast<std::size_t>(domains));
  for (int k = 0; k < keys; ++k) {
    settings[static_cast<std::size_t>(k % domains)].append(
        "Setting" + std::to_string(k),
        "v" + std::string(value_size + static_cast<std::size_t>(k % 7), 'x'));
  }
  Dict content;
  for (int d = 0; d < domains; ++d) {
    Dict forced;
    forced.set("mcx_preference_settings", std::move(settings[static_cast<std::size_t>(d)]));
    Dict domain;
    domain.set("Forced", Array{Value(std::move(forced))});
    content.set("com.example.app" + std::to_string(d), std::move(domain));
  }
  Dict payload;
  payload.set("PayloadType", "com.apple.ManagedClient.preferences");
  payload.set("PayloadIdentifier", "com.example.mcx");
  payload.set("PayloadUUID", uuid_for(7));
  payload.set("PayloadVersion", 1);
  payload.set("PayloadDisplayName", "Custom settings");
  payload.set("PayloadContent", std::move(content));
  return Value(std::move(payload));
}

// One privacy-preferences payload with `entries` app entries over two services.
Value privacy_preferences(int entries) {
  Dict services;
  for (const char* service : {"SystemPolicyAllFiles", "Accessibility"}) {
    Array apps;
    for (int i = 0; i < entries / 2; ++i) {
      Dict app;
      app.set("Identifier", "com.example.app" + std::to_string(i));
      app.set("IdentifierType", "bundleID");
      app.set("CodeRequirement",
              "identifier \"com.example.app" + std::to_string(i) + "\" and anchor apple generic");
      app.set("Allowed", true);
      apps.push_back(Value(std::move(app)));
    }
    services.set(service, std::move(apps));
  }
  Dict payload;
  payload.set("PayloadType", "com.apple.TCC.configuration-profile-policy");
  payload.set("PayloadIdentifier", "com.example.tcc");
  payload.set("PayloadUUID", uuid_for(8));
  payload.set("PayloadVersion", 1);
  payload.set("Services", std::move(services));
  return Value(std::move(payload));
}

// An app's domain divided by key.
Value app_domain(int keys) {
  Dict payload;
  payload.set("PayloadType", "com.example.settings");
  payload.set("PayloadIdentifier", "com.example.app-settings");
  payload.set("PayloadUUID", uuid_for(9));
  payload.set("PayloadVersion", 1);
  for (int k = 0; k < keys; ++k)
    payload.append("Key" + std::to_string(k), k % 3 ? Value(k * 1000) : Value("text & <markup>"));
  return Value(std::move(payload));
}

// What the plan counted for each part is what the encoded part counts: exactly for XML, and for
// a part the optimizer wrote as binary, the same part's XML form (the plan never measures binary).
void expect_planned_sizes_exact(const Split& s, const SplitOptions& o) {
  OptimizeOptions xml = o.optimize;
  xml.disable.emplace_back("binary-plist");
  for (const SplitPart& part : s.parts) {
    EXPECT_EQ(part.optimized.command_size, o.optimize.target->command_size(part.optimized.bytes));
    // A source that stays one part is the whole profile as optimized; nothing was planned.
    if (part.optimized.encoding.format == Encoding::Format::kXml || s.parts.size() == 1) {
      EXPECT_EQ(part.planned_size, part.optimized.command_size) << part.identifier;
    } else {
      Result<Optimized> as_xml = optimize(part.optimized.profile, xml);
      ASSERT_TRUE(as_xml.ok());
      EXPECT_EQ(part.planned_size, as_xml->command_size) << part.identifier;
      EXPECT_LT(part.optimized.command_size, part.planned_size) << part.identifier;
    }
  }
}

TEST(Splitter, PlannedSizeOfEveryPartEqualsTheEncodedPart) {
  const emitters::Target* jamf = *emitters::find_target("jamf");
  const emitters::Target* nanomdm = *emitters::find_target("nanomdm");
  std::vector<Value> profiles = {
      profile_of(Array{custom_settings(300, 1)}),
      profile_of(Array{custom_settings(300, 7)}),
      profile_of(Array{privacy_preferences(60)}),
      profile_of(Array{app_domain(250)}),
      profile_of(Array{dns_payload(1, 300), custom_settings(120, 3), dns_payload(2, 900),
                       privacy_preferences(20)}),
  };
  for (const Value& p : profiles) {
    for (Level level : {Level::kLossless, Level::kSafe, Level::kAggressive}) {
      for (const emitters::Target* target : {&testing::fake_workspaceone(), jamf, nanomdm}) {
        SplitOptions o = options(level);
        o.optimize.target = target;
        o.optimize.limit = target == &testing::fake_workspaceone() ? 0 : 2500;
        Result<Split> s = split(p, o);
        ASSERT_TRUE(s.ok()) << s.error().format();
        EXPECT_GT(s->parts.size(), 1u) << target->name;
        expect_planned_sizes_exact(*s, o);
        for (const SplitPart& part : s->parts) EXPECT_EQ(part.optimized.fits, part.reason.empty());
      }
    }
  }
}

// A regression bound in work units rather than wall time: measuring grows with the profile, so
// 3,000 keys cost about 8 units of work per byte of source (the old packer, re-encoding every
// candidate part, spent billions), and twice the keys about twice.
TEST(Splitter, ThreeThousandCustomSettingsKeysSplitWithinABoundedWork) {
  Value p = profile_of(Array{custom_settings(3000)});
  const std::size_t source = plist::write_minimal_xml(p).size();
  Result<Split> s = split(p, options());
  ASSERT_TRUE(s.ok()) << s.error().format();
  EXPECT_GT(s->parts.size(), 100u);
  std::cout << "3,000 keys: work " << s->work << " for " << source << " bytes of source\n";
  EXPECT_LT(s->work, 20 * source);
  Result<Split> twice = split(profile_of(Array{custom_settings(6000)}), options());
  ASSERT_TRUE(twice.ok());
  EXPECT_LT(static_cast<double>(twice->work), 2.5 * static_cast<double>(s->work));
  expect_planned_sizes_exact(*s, options());
}

TEST(Splitter, PastItsWorkBudgetFailsWithADataErrorNamingTheProfile) {
  SplitOptions o = options();
  o.work_budget = 50'000;
  Result<Split> s = split(profile_of(Array{custom_settings(3000)}), o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ExitCode::kDataError);
  const std::string text = s.error().format();
  EXPECT_NE(
      text.find("com.example.split: splitting needs more than its work budget of 50000 units"),
      std::string::npos)
      << text;
}

// A profile that does not divide into several parts is one part under its own identifier and
// UUID, whatever its route: only a source that really becomes several parts gets part names.
TEST(Splitter, AProfileThatStaysOnePartKeepsItsIdentifierAndUuidWhateverItsRoute) {
  Array payloads{dns_payload(1, 2500)};
  Array referring{dns_payload(1, 900), dns_payload(2, 900)};
  referring[1].as_dict().set("PayloadCertificateUUID", uuid_for(1));
  for (const Value& p : {profile_of(payloads), profile_of(referring)}) {
    {
      Result<Split> s = split(p, options());
      ASSERT_TRUE(s.ok()) << s.error().format();
      ASSERT_EQ(s->parts.size(), 1u);
      EXPECT_FALSE(s->whole_fits);
      EXPECT_EQ(s->parts[0].identifier, "com.example.split");
      EXPECT_EQ(s->parts[0].uuid, uuid_for(999));
      EXPECT_EQ(*s->parts[0].optimized.profile.get_string("PayloadUUID"), uuid_for(999));
      EXPECT_FALSE(s->parts[0].optimized.fits);
      for (const PartPayload& pp : s->parts[0].payloads) EXPECT_FALSE(pp.piece);
    }
  }
}

TEST(Splitter, PartAndPieceUuidsAreVersion5WithTheRfcVariant) {
  Result<Split> s = split(profile_of(Array{custom_settings(300, 2)}), options());
  ASSERT_TRUE(s.ok());
  ASSERT_GT(s->parts.size(), 1u);
  auto check = [](const std::string& u) {
    ASSERT_EQ(u.size(), 36u) << u;
    EXPECT_EQ(u[14], '5') << u;
    EXPECT_NE(std::string("89AB").find(u[19]), std::string::npos) << u;
  };
  for (const SplitPart& part : s->parts) {
    check(part.uuid);
    for (const Value& p : part.optimized.profile.get("PayloadContent")->as_array())
      check(*p.get_string("PayloadUUID"));
  }
}

// Privacy-preference entries of one service form a set (the OS unites them across profiles), so
// pieces merged back may list them in another order: compare them sorted.
Value entries_as_sets(Value payloads) {
  for (Value& p : payloads.as_array()) {
    Value* services = p.get("Services");
    if (!services || !services->is_dict()) continue;
    for (plist::DictEntry& e : services->as_dict()) {
      if (!e.value.is_array()) continue;
      std::sort(e.value.as_array().begin(), e.value.as_array().end(),
                [](const Value& a, const Value& b) {
                  return plist::digest_hex(a) < plist::digest_hex(b);
                });
    }
  }
  return payloads;
}

std::string shared_dir() {
  const char* env = std::getenv("CMDM_SHARED");
  return env ? env : CMDM_SHARED_DIR;
}

TEST(SplitterCorpus, MergingThePartsBackGivesTheOriginalPayloadsAndReportsDeliverability) {
  namespace fs = std::filesystem;
  fs::path root = fs::path(shared_dir()) / "corpus" / "dev";
  if (!fs::exists(root / "INDEX.tsv")) GTEST_SKIP() << "no corpus at " << root;
  std::ifstream index(root / "INDEX.tsv");
  std::string line;
  std::getline(index, line);
  std::vector<Value> profiles;
  while (std::getline(index, line)) {
    if (line.find("plist-parse-error") != std::string::npos) continue;
    std::string path = line.substr(0, line.find('\t'));
    Result<std::string> bytes = read_file((root / path).string());
    ASSERT_TRUE(bytes.ok());
    Result<pipeline::Source> s = pipeline::read_source(*bytes, path);
    ASSERT_TRUE(s.ok()) << s.error().format();
    profiles.push_back(std::move(s->profile));
  }
  ASSERT_EQ(profiles.size(), 216u);
  for (Level level : {Level::kLossless, Level::kSafe, Level::kAggressive}) {
    std::size_t whole = 0, delivered = 0, parts = 0;
    for (const Value& p : profiles) {
      Result<Split> s = split(p, options(level));
      ASSERT_TRUE(s.ok()) << s.error().format();
      expect_planned_sizes_exact(*s, options(level));
      whole += s->whole_fits;
      // Only what cannot fit alone leaves the MDM route: such a part holds one source payload (or
      // payloads that refer to each other, which must travel together).
      for (const SplitPart& part : s->parts) {
        if (part.optimized.fits) continue;
        std::set<std::size_t> origins;
        for (const PartPayload& pp : part.payloads) origins.insert(pp.origin_index);
        if (origins.size() > 1) {
          std::string text = plist::write_minimal_xml(part.optimized.profile);
          bool referenced = false;
          for (const PartPayload& pp : part.payloads) {
            referenced |= text.find(pp.origin_uuid) != text.rfind(pp.origin_uuid);
          }
          EXPECT_TRUE(referenced) << part.identifier
                                  << " bundles unrelated payloads and does not fit";
        }
      }
      delivered += s->all_fit();
      parts += s->parts.size();
      if (level == Level::kLossless && p.get("PayloadContent") &&
          p.get("PayloadContent")->is_array()) {
        EXPECT_EQ(entries_as_sets(Value(merge_back(*s))), entries_as_sets(*p.get("PayloadContent")))
            << s->identifier;
      }
    }
    std::cout << "workspaceone " << level_name(level) << ": " << whole << " of " << profiles.size()
              << " fit whole; " << delivered << " fully deliverable after splitting (" << parts
              << " parts)\n";
  }
}

}  // namespace
}  // namespace cmdm::optimizer
