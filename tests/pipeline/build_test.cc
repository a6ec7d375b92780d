// End-to-end tests of the build pipeline (pipeline/build.h): every body it emits is parsed as
// its vendor would (JSON, then plist::read of the command or CommandXml), builds are
// reproducible to the byte, and a bundle unpacks to exactly the build output.
#include "pipeline/build.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "emitters/bundle.h"
#include "pipeline/context.h"
#include "plist/base64.h"
#include "plist/file_io.h"
#include "plist/hash.h"
#include "plist/reader.h"

namespace cmdm::pipeline {
namespace {

const std::string kExamples = std::string(CMDM_SOURCE_DIR) + "/testdata/examples/";

std::vector<SourceInput> examples() {
  std::vector<SourceInput> out;
  for (const char* name : {"safari-homepage.mobileconfig", "security-baseline.mobileconfig"}) {
    Result<std::string> bytes = read_file(kExamples + name);
    EXPECT_TRUE(bytes.ok());
    out.push_back({name, bytes.ok() ? *bytes : std::string()});
  }
  return out;
}

BuildOptions options_for(const std::string& targets) {
  BuildOptions o;
  o.targets = *emitters::parse_target_list(targets);
  o.generator = "cmdm test";
  o.vendor.jamf_scope = "all-computers";
  return o;
}

std::map<std::string, std::string> by_path(const std::vector<emitters::Artifact>& artifacts) {
  std::map<std::string, std::string> m;
  for (const auto& a : artifacts) m[a.path] = a.bytes;
  return m;
}

std::string decode(const std::string& b64) {
  auto bytes = plist::base64_decode(b64);
  EXPECT_TRUE(bytes.has_value());
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

// The profile bytes inside a command dict read by plist::read, checking RequestType.
std::string payload_of(const plist::Value& command) {
  EXPECT_TRUE(command.is_dict());
  const std::string* type = command.get_string("RequestType");
  EXPECT_TRUE(type && *type == "InstallProfile");
  const plist::Value* payload = command.get("Payload");
  EXPECT_TRUE(payload && payload->is_data());
  if (!payload || !payload->is_data()) return {};
  return std::string(payload->as_data().begin(), payload->as_data().end());
}

std::string payload_of_full_command(const std::string& text) {
  Result<plist::Document> doc = plist::read(text);
  EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().format());
  if (!doc) return {};
  const std::string* uuid = doc->root.get_string("CommandUUID");
  EXPECT_TRUE(uuid && uuid->size() == 36);
  const plist::Value* command = doc->root.get("Command");
  EXPECT_TRUE(command);
  return command ? payload_of(*command) : std::string();
}

TEST(BuildPipeline, EveryBodyCarriesTheProfileAsItsVendorReadsIt) {
  Result<BuildOutput> out =
      build(examples(), options_for("workspaceone,micromdm,nanomdm,fleet,jamf,raw,local"));
  ASSERT_TRUE(out.ok()) << out.error().format();
  auto files = by_path(out->artifacts);
  int checked = 0;
  for (const auto& source : out->manifest.sources) {
    for (const auto& part : source.parts) {
      const std::string& profile = files.at(part.profile);
      EXPECT_EQ(plist::sha256_hex(profile), part.sha256);
      for (const auto& route : part.routes) {
        if (route.route != emitters::Route::kMdm) continue;
        const std::string& body = files.at(route.install);
        EXPECT_EQ(plist::sha256_hex(body), route.install_sha256);
        std::string carried;
        if (route.target == "workspaceone") {
          std::string xml = nlohmann::json::parse(body).at("CommandXml").get<std::string>();
          EXPECT_LE(xml.size(), route.limit);
          EXPECT_EQ(xml.size(), route.size);
          Result<plist::Document> doc = plist::read(xml);
          ASSERT_TRUE(doc.ok()) << doc.error().format();
          carried = payload_of(doc->root);
        } else if (route.target == "micromdm") {
          carried = decode(nlohmann::json::parse(body).at("payload").get<std::string>());
        } else if (route.target == "nanomdm" || route.target == "raw") {
          carried = payload_of_full_command(body);
        } else if (route.target == "fleet") {
          carried = payload_of_full_command(
              decode(nlohmann::json::parse(body).at("command").get<std::string>()));
          EXPECT_EQ(body.size(), route.size);
        } else if (route.target == "jamf") {
          pugi::xml_document doc;
          ASSERT_TRUE(doc.load_buffer(body.data(), body.size(),
                                      pugi::parse_default | pugi::parse_ws_pcdata));
          carried = doc.child("os_x_configuration_profile")
                        .child("general")
                        .child("payloads")
                        .text()
                        .get();
        }
        EXPECT_EQ(carried, profile) << route.target << " " << part.identifier;
        ++checked;
      }
    }
  }
  // The baseline does not fit workspaceone whole: it is split, and every part goes through every
  // MDM target (six of the seven; `local` has no command body) except its privacy-preferences
  // payload, too large for workspaceone even alone, which is undeliverable there (local install
  // is not allowed by default) and on the `local` target too (macOS installs privacy preferences
  // only through an MDM; the built-in list knows it without --schemas).
  EXPECT_TRUE(out->manifest.sources[1].split);
  std::size_t parts = 0;
  for (const auto& source : out->manifest.sources) parts += source.parts.size();
  EXPECT_GT(parts, 2u);
  EXPECT_EQ(out->routed_local, 0u);
  EXPECT_EQ(out->undeliverable, 2u);
  EXPECT_EQ(checked, static_cast<int>(parts * 6 - 1));
}

// A profile of `count` Wi-Fi payloads (a type the OS does not combine, so never divided inside),
// each a few hundred characters: together far over Workspace ONE's 2,000, each alone well under.
std::string many_wifi_payloads(int count, std::size_t password_size = 0) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
      "<key>PayloadContent</key><array>";
  for (int i = 0; i < count; ++i) {
    std::string n = std::to_string(i);
    xml +=
        "<dict><key>PayloadType</key><string>com.apple.wifi.managed</string>"
        "<key>PayloadVersion</key><integer>1</integer>"
        "<key>PayloadIdentifier</key><string>com.example.wifi.net" +
        n +
        "</string>"
        "<key>PayloadUUID</key><string>6D1C2A60-0000-4000-8000-0000000000" +
        (i < 10 ? "0" + n : n) +
        "</string>"
        "<key>SSID_STR</key><string>Branch office network number " +
        n +
        "</string>"
        "<key>EncryptionType</key><string>WPA2</string>"
        "<key>Password</key><string>correct horse battery staple " +
        n +
        (password_size ? std::string(password_size, 'x')
                       : std::string(" correct horse battery staple")) +
        "</string>"
        "<key>AutoJoin</key><true/></dict>";
  }
  xml +=
      "</array><key>PayloadType</key><string>Configuration</string>"
      "<key>PayloadVersion</key><integer>1</integer>"
      "<key>PayloadIdentifier</key><string>com.example.wifi</string>"
      "<key>PayloadUUID</key><string>6D1C2A60-0000-4000-8000-000000000100</string>"
      "<key>PayloadDisplayName</key><string>Wi-Fi networks</string></dict></plist>\n";
  return xml;
}

// PayloadIdentifier -> payload, from a profile's bytes.
std::map<std::string, plist::Value> payloads_by_id(const std::string& profile) {
  std::map<std::string, plist::Value> out;
  Result<plist::Document> doc = plist::read(profile);
  EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().format());
  if (!doc) return out;
  const plist::Value* content = doc->root.get("PayloadContent");
  EXPECT_TRUE(content && content->is_array());
  if (!content || !content->is_array()) return out;
  for (const plist::Value& p : content->as_array()) {
    const std::string* id = p.get_string("PayloadIdentifier");
    EXPECT_TRUE(id);
    if (id) {
      EXPECT_TRUE(out.emplace(*id, p).second) << "payload " << *id << " twice";
    }
  }
  return out;
}

TEST(BuildPipeline, SplitsAProfileTooBigForWorkspaceOneIntoPartsThatEachFit) {
  std::vector<SourceInput> sources = {{"wifi.mobileconfig", many_wifi_payloads(12)}};
  Result<BuildOutput> out = build(sources, options_for("workspaceone"));
  ASSERT_TRUE(out.ok()) << out.error().format();
  auto files = by_path(out->artifacts);
  ASSERT_EQ(out->manifest.sources.size(), 1u);
  const emitters::SourceEntry& entry = out->manifest.sources[0];
  EXPECT_TRUE(entry.split);
  ASSERT_GT(entry.parts.size(), 1u);
  EXPECT_EQ(out->routed_local, 0u);
  std::map<std::string, plist::Value> carried;
  for (const emitters::Part& part : entry.parts) {
    EXPECT_EQ(part.identifier.rfind("com.example.wifi.part-", 0), 0u) << part.identifier;
    EXPECT_EQ(part.profile, emitters::profile_path(part.identifier));
    ASSERT_EQ(part.routes.size(), 1u);
    const emitters::TargetRoute& route = part.routes[0];
    ASSERT_EQ(route.route, emitters::Route::kMdm) << route.reason;
    EXPECT_EQ(route.install, "commands/workspaceone/" + part.identifier + ".install.json");
    // Parse the body as Workspace ONE does and measure what it counts.
    std::string xml =
        nlohmann::json::parse(files.at(route.install)).at("CommandXml").get<std::string>();
    EXPECT_LE(emitters::utf16_length(xml), 2000u) << part.identifier;
    EXPECT_EQ(emitters::utf16_length(xml), route.size);
    Result<plist::Document> command = plist::read(xml);
    ASSERT_TRUE(command.ok()) << command.error().format();
    std::string profile = payload_of(command->root);
    EXPECT_EQ(profile, files.at(part.profile));
    Result<plist::Document> doc = plist::read(profile);
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(*doc->root.get_string("PayloadIdentifier"), part.identifier);
    EXPECT_EQ(*doc->root.get_string("PayloadUUID"), part.uuid);
    auto payloads = payloads_by_id(profile);
    ASSERT_EQ(part.payloads.size(), payloads.size());
    ASSERT_EQ(part.payload_types.size(), payloads.size());
    for (std::size_t i = 0; i < part.payloads.size(); ++i) {
      EXPECT_EQ(part.payload_types[i], "com.apple.wifi.managed");
      EXPECT_TRUE(payloads.count(part.payloads[i])) << part.payloads[i];
    }
    for (auto& [id, p] : payloads) {
      EXPECT_TRUE(carried.emplace(id, std::move(p)).second) << id << " is in two parts";
    }
  }
  // Together the parts carry exactly the payloads of the profile built whole (no limit).
  Result<BuildOutput> whole = build(sources, options_for("raw"));
  ASSERT_TRUE(whole.ok()) << whole.error().format();
  ASSERT_EQ(whole->manifest.sources[0].parts.size(), 1u);
  auto expected =
      payloads_by_id(by_path(whole->artifacts).at(whole->manifest.sources[0].parts[0].profile));
  EXPECT_EQ(expected.size(), 12u);
  EXPECT_EQ(carried, expected);
  // And the split is reproducible: a second build gives the same artifacts.
  Result<BuildOutput> again = build(sources, options_for("workspaceone"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(by_path(again->artifacts), files);
}

TEST(BuildPipeline, ReportsAPartThatCannotFitAloneUndeliverableByDefault) {
  Result<BuildOutput> out =
      build({{"wifi.mobileconfig", many_wifi_payloads(1, 3000)}}, options_for("workspaceone"));
  ASSERT_TRUE(out.ok()) << out.error().format();
  ASSERT_EQ(out->manifest.sources[0].parts.size(), 1u);  // one payload: nothing to divide
  const emitters::Part& part = out->manifest.sources[0].parts[0];
  const auto& route = part.routes[0];
  EXPECT_EQ(route.route, emitters::Route::kUndeliverable);
  EXPECT_GT(route.size, 2000u);
  EXPECT_EQ(route.install, "");  // no command body for a route that cannot be sent
  EXPECT_NE(
      route.reason.find("does not fit workspaceone even alone: " + std::to_string(route.size) +
                        " characters of CommandXml > limit 2000"),
      std::string::npos)
      << route.reason;
  EXPECT_NE(route.reason.find("--allow-local"), std::string::npos) << route.reason;
  EXPECT_NE(route.reason.find("--os macOS:10.15"), std::string::npos) << route.reason;
  EXPECT_EQ(out->undeliverable, 1u);
  EXPECT_EQ(out->routed_local, 0u);
  // The part's profile is still written: other targets, or a later --allow-local, can use it.
  EXPECT_EQ(by_path(out->artifacts).count(part.profile), 1u);
}

TEST(BuildPipeline, RoutesAPartThatCannotFitAloneToLocalWhenLocalInstallIsAllowed) {
  BuildOptions options = options_for("workspaceone");
  options.local_allowed = true;
  Result<BuildOutput> out = build({{"wifi.mobileconfig", many_wifi_payloads(1, 3000)}}, options);
  ASSERT_TRUE(out.ok()) << out.error().format();
  ASSERT_EQ(out->manifest.sources[0].parts.size(), 1u);
  const auto& route = out->manifest.sources[0].parts[0].routes[0];
  EXPECT_EQ(route.route, emitters::Route::kLocal);
  EXPECT_GT(route.size, 2000u);
  EXPECT_NE(route.reason.find("does not fit workspaceone"), std::string::npos);
  EXPECT_EQ(out->routed_local, 1u);
  EXPECT_EQ(out->undeliverable, 0u);
}

TEST(BuildPipeline, SameInputsGiveByteIdenticalOutputsAndBundles) {
  auto options = options_for("workspaceone,fleet,nanomdm,local");
  Result<BuildOutput> a = build(examples(), options);
  Result<BuildOutput> b = build(examples(), options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(by_path(a->artifacts), by_path(b->artifacts));
  EXPECT_EQ(*emitters::write_bundle(a->artifacts), *emitters::write_bundle(b->artifacts));
}

TEST(BuildPipeline, FreshCommandUuidsReplaceThePlaceholder) {
  auto options = options_for("nanomdm");
  auto uuids = emitters::system_uuid_source();
  options.fresh_command_uuids = true;
  options.uuids = uuids.get();
  Result<BuildOutput> out = build(examples(), options);
  ASSERT_TRUE(out.ok());
  auto files = by_path(out->artifacts);
  std::string body = files.at("commands/nanomdm/com.example.safari.homepage.install.plist");
  EXPECT_EQ(body.find(emitters::kInstallCommandUuidPlaceholder), std::string::npos);
  Result<plist::Document> doc = plist::read(body);
  ASSERT_TRUE(doc.ok());
  std::string uuid = *doc->root.get_string("CommandUUID");
  EXPECT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[14], '4');
}

TEST(BuildPipeline, AnyBadSourceFailsTheWholeBuild) {
  auto sources = examples();
  sources.push_back({"broken.mobileconfig", "<plist><dict><key>x</key></plist>"});
  Result<BuildOutput> out = build(sources, options_for("raw"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ExitCode::kDataError);
  EXPECT_EQ(out.error().diagnostics[0].file, "broken.mobileconfig");
}

TEST(BuildPipeline, RefusesTwoSourcesWithOneIdentifier) {
  auto sources = examples();
  sources.push_back({"copy.mobileconfig", sources[0].bytes});
  Result<BuildOutput> out = build(sources, options_for("raw"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().diagnostics[0].message.find("also used (ignoring case)"),
            std::string::npos);
}

TEST(BuildPipeline, RefusesIdentifiersThatDifferOnlyInCase) {
  auto sources = examples();
  std::string upper = sources[0].bytes;
  std::size_t at = upper.find("<string>com.example.safari.homepage</string>");
  ASSERT_NE(at, std::string::npos);
  upper.replace(at + 8, 11, "com.EXAMPLE");
  sources.push_back({"upper.mobileconfig", upper});
  EXPECT_FALSE(build(sources, options_for("raw")).ok());
}

TEST(BuildPipeline, KeepGoingSkipsBadSourcesAndBuildsTheRest) {
  auto sources = examples();
  sources.insert(sources.begin(), {"broken.mobileconfig", "not a plist"});
  sources.push_back({"copy.mobileconfig", sources[1].bytes});
  auto options = options_for("raw");
  options.keep_going = true;
  Result<BuildOutput> out = build(sources, options);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->skipped_sources, 2u);
  EXPECT_EQ(out->manifest.sources.size(), 2u);
  EXPECT_EQ(out->skipped[0].file, "broken.mobileconfig");
}

TEST(BuildPipeline, SignsWhenTheSignedProfileFitsAndSaysWhyWhenItDoesNot) {
  signer::IdentitySource source;
  source.key = *read_file(kExamples + "keys/test-only-key.pem");
  source.cert = *read_file(kExamples + "keys/test-only-cert.pem");
  Result<signer::Identity> identity = signer::load_identity(source);
  ASSERT_TRUE(identity.ok()) << identity.error().format();
  auto sources = examples();
  sources.push_back(
      {"timeserver-signed.mobileconfig", *read_file(kExamples + "timeserver-signed.mobileconfig")});
  auto options = options_for("workspaceone");
  options.identity = &*identity;
  Result<BuildOutput> out = build(sources, options);
  ASSERT_TRUE(out.ok()) << out.error().format();
  auto files = by_path(out->artifacts);
  // Safari signed would exceed 2,000 characters: sent unsigned, with the policy's reason.
  const auto& safari = out->manifest.sources[0].parts[0];
  EXPECT_FALSE(safari.is_signed);
  EXPECT_NE(safari.routes[0].reason.find("sent unsigned"), std::string::npos);
  // Without a limit (nanomdm) the time server goes signed: CMS that verifies and holds the plist.
  options.targets = *emitters::parse_target_list("nanomdm");
  out = build(sources, options);
  ASSERT_TRUE(out.ok()) << out.error().format();
  files = by_path(out->artifacts);
  const auto& ntp = out->manifest.sources[2].parts[0];
  EXPECT_TRUE(ntp.is_signed);
  EXPECT_EQ(ntp.routes[0].route, emitters::Route::kMdm);
  Result<signer::VerifyReport> report = signer::verify(files.at(ntp.profile));
  ASSERT_TRUE(report.ok()) << report.error().format();
  Result<signer::Unwrapped> inner = signer::unwrap(files.at(ntp.profile));
  ASSERT_TRUE(inner.ok());
  EXPECT_TRUE(plist::read(inner->content).ok());
  EXPECT_EQ(out->manifest.sources[2].signer, identity->certificate().subject);
  EXPECT_EQ(out->manifest.sources[2].policy, SigningPolicy::kPreferSigned);
}

TEST(BuildPipeline, NeverSignsAgainASourceChangedAfterSigning) {
  signer::IdentitySource source;
  source.key = *read_file(kExamples + "keys/test-only-key.pem");
  source.cert = *read_file(kExamples + "keys/test-only-cert.pem");
  Result<signer::Identity> identity = signer::load_identity(source);
  ASSERT_TRUE(identity.ok()) << identity.error().format();
  std::string tampered = *read_file(kExamples + "timeserver-signed.mobileconfig");
  tampered[tampered.find("time.example.com")] = 'T';
  auto options = options_for("nanomdm");
  options.identity = &*identity;
  Result<BuildOutput> out = build({{"tampered.mobileconfig", tampered}}, options);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ExitCode::kDataError);
  EXPECT_NE(out.error().format().find("is INVALID: content digest mismatch"), std::string::npos)
      << out.error().format();
  // Accepted on request: built (and signed with our key), and the warning still says INVALID.
  options.sources.allow_invalid_signature = true;
  out = build({{"tampered.mobileconfig", tampered}}, options);
  ASSERT_TRUE(out.ok()) << out.error().format();
  ASSERT_EQ(out->warnings.size(), 1u);
  EXPECT_NE(out->warnings[0].message.find("INVALID"), std::string::npos);
}

TEST(BuildPipeline, JamfRefusesSignedParts) {
  signer::IdentitySource source;
  source.key = *read_file(kExamples + "keys/test-only-key.pem");
  source.cert = *read_file(kExamples + "keys/test-only-cert.pem");
  Result<signer::Identity> identity = signer::load_identity(source);
  ASSERT_TRUE(identity.ok());
  auto options = options_for("jamf");
  options.identity = &*identity;
  options.policy = SigningPolicy::kRequireSigned;
  Result<BuildOutput> out = build(examples(), options);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->manifest.sources[0].parts[0].routes[0].route, emitters::Route::kUndeliverable);
  EXPECT_EQ(out->undeliverable, 2u);
}

TEST(BuildPipeline, HigherLevelsShrinkTheCommand) {
  auto lossless = build(examples(), options_for("workspaceone"));
  auto options = options_for("workspaceone");
  options.level = emitters::Level::kAggressive;
  auto aggressive = build(examples(), options);
  ASSERT_TRUE(lossless.ok() && aggressive.ok());
  EXPECT_LT(aggressive->manifest.sources[0].parts[0].routes[0].size,
            lossless->manifest.sources[0].parts[0].routes[0].size);
}

TEST(BuildPipeline, RequireSignedWithoutAnIdentityIsRefusedWithTheFix) {
  auto options = options_for("workspaceone");
  options.policy = SigningPolicy::kRequireSigned;
  Result<BuildOutput> out = build(examples(), options);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ExitCode::kUsage);
  EXPECT_NE(out.error().format().find("needs a signing identity: add --sign-key"),
            std::string::npos);
}

TEST(BuildPipeline, AnyNumberOfJobsGivesTheSameOutputByteForByte) {
  std::vector<SourceInput> sources = examples();
  for (const char* name : {"kext-allowlist.mobileconfig", "setup-assistant.mobileconfig",
                           "timeserver-signed.mobileconfig"}) {
    sources.push_back({name, *read_file(kExamples + name)});
  }
  auto options = options_for("workspaceone,nanomdm,local");
  options.level = emitters::Level::kSafe;
  options.context = *make_context({.vars_files = {kExamples + "kext-allowlist.vars.yaml"},
                                   .facts_files = {kExamples + "mac-facts.yaml"}});
  options.jobs = 1;
  Result<BuildOutput> one = build(sources, options);
  ASSERT_TRUE(one.ok()) << one.error().format();
  for (unsigned jobs : {2u, 3u, 8u}) {
    options.jobs = jobs;
    Result<BuildOutput> many = build(sources, options);
    ASSERT_TRUE(many.ok());
    EXPECT_EQ(by_path(many->artifacts), by_path(one->artifacts)) << jobs << " jobs";
  }
}

TEST(BuildPipeline, WithoutCommandsOnlyProfilesAndTheManifestAreWritten) {
  auto options = options_for("workspaceone");
  options.emit_commands = false;
  Result<BuildOutput> parts_only = build(examples(), options);
  Result<BuildOutput> full = build(examples(), options_for("workspaceone"));
  ASSERT_TRUE(parts_only.ok() && full.ok());
  std::map<std::string, std::string> profiles;
  for (const auto& [path, bytes] : by_path(full->artifacts)) {
    if (path.rfind("profiles/", 0) == 0) profiles[path] = bytes;
  }
  std::map<std::string, std::string> got = by_path(parts_only->artifacts);
  got.erase("manifest.json");
  EXPECT_EQ(got, profiles);
}

class BuildDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cmdm-build-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::map<std::string, std::string> tree(const std::string& root) {
    std::map<std::string, std::string> m;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) {
        m[std::filesystem::relative(e.path(), root).string()] = *read_file(e.path().string());
      }
    }
    return m;
  }
  std::string dir_;
};

TEST_F(BuildDirTest, BundleUnpacksToExactlyTheBuildOutput) {
  auto options = options_for("workspaceone,micromdm,nanomdm,fleet,jamf,raw,local");
  Result<BuildRun> run = run_build(
      {kExamples + "safari-homepage.mobileconfig", kExamples + "security-baseline.mobileconfig"},
      dir_ + "/out", true, options);
  ASSERT_TRUE(run.ok()) << run.error().format();
  EXPECT_TRUE(run->bundle_written);
  Result<emitters::WriteStats> stats = unbundle(dir_ + "/out/bundle.cmdm", dir_ + "/unpacked");
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  auto built = tree(dir_ + "/out");
  built.erase("bundle.cmdm");
  EXPECT_EQ(tree(dir_ + "/unpacked"), built);
}

TEST_F(BuildDirTest, RebuildingUnchangedInputsWritesNothing) {
  auto options = options_for("workspaceone,local");
  std::vector<std::string> srcs = {kExamples + "safari-homepage.mobileconfig"};
  Result<BuildRun> first = run_build(srcs, dir_, true, options);
  ASSERT_TRUE(first.ok());
  EXPECT_GT(first->stats.written, 0u);
  Result<BuildRun> second = run_build(srcs, dir_, true, options);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->stats.written, 0u);
  EXPECT_FALSE(second->bundle_written);
}

}  // namespace
}  // namespace cmdm::pipeline
