// Validation: structural rules without a schema, Apple-schema rules with one, and the
// intentionally invalid fixtures of the mobileconfig-validator corpus set.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "compiler/compiler.h"
#include "plist/reader.h"

namespace cmdm::compiler {
namespace {

std::string shared_dir() {
  const char* env = std::getenv("CMDM_SHARED");
  return env && *env ? env : CMDM_SHARED_DIR;
}

plist::Value dock_profile() {
  plist::Dict payload;
  payload.set("PayloadIdentifier", plist::Value("com.example.dock.1"));
  payload.set("PayloadType", plist::Value("com.apple.dock"));
  payload.set("PayloadUUID", plist::Value("A1B2C3D4-E5F6-7890-ABCD-EF1234567890"));
  payload.set("PayloadVersion", plist::Value(1));
  payload.set("tilesize", plist::Value(48));
  plist::Dict top;
  top.set("PayloadContent", plist::Value(plist::Array{plist::Value(std::move(payload))}));
  top.set("PayloadIdentifier", plist::Value("com.example.dock"));
  top.set("PayloadType", plist::Value("Configuration"));
  top.set("PayloadUUID", plist::Value("12345678-1234-1234-1234-123456789012"));
  top.set("PayloadVersion", plist::Value(1));
  return plist::Value(std::move(top));
}

plist::Dict& first_payload(plist::Value& p) {
  return p.get("PayloadContent")->as_array()[0].as_dict();
}

std::string messages(const ValidationReport& r) {
  std::string out;
  for (const Diagnostic& d : r.diagnostics) out += d.format();
  return out;
}

bool has(const ValidationReport& r, Severity s, const std::string& fragment) {
  for (const Diagnostic& d : r.diagnostics) {
    if (d.severity == s && d.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

TEST(Validate, AcceptsAWellFormedProfileWithoutASchema) {
  ValidationReport r = validate(dock_profile(), nullptr);
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.warnings, 0);
}

TEST(Validate, StructuralErrors) {
  plist::Value p = dock_profile();
  p.as_dict().set("PayloadType", plist::Value("NotConfiguration"));
  first_payload(p).set("PayloadVersion", plist::Value(2));
  first_payload(p).set("PayloadUUID", plist::Value("not-a-valid-uuid"));
  ValidationReport r = validate(p, nullptr);
  EXPECT_EQ(r.errors, 3) << messages(r);
  EXPECT_TRUE(has(r, Severity::kError,
                  "the profile's PayloadType is 'NotConfiguration'; it must be 'Configuration'"));
  EXPECT_TRUE(has(r, Severity::kError, "PayloadVersion is 2; it must be 1"));
  EXPECT_TRUE(has(r, Severity::kError, "PayloadUUID 'not-a-valid-uuid' is not a UUID"));
  EXPECT_EQ(r.diagnostics[2].key_path, "PayloadContent[0].PayloadUUID");
}

TEST(Validate, DuplicateUuidsAndIdentifiers) {
  plist::Value p = dock_profile();
  plist::Value second = p.get("PayloadContent")->as_array()[0];
  p.get("PayloadContent")->as_array().push_back(second);
  ValidationReport r = validate(p, nullptr);
  EXPECT_TRUE(has(r, Severity::kError,
                  "duplicate PayloadUUID A1B2C3D4-E5F6-7890-ABCD-EF1234567890 (also at "
                  "PayloadContent[0].PayloadUUID)"));
  EXPECT_TRUE(has(r, Severity::kError, "duplicate PayloadIdentifier 'com.example.dock.1'"));
}

TEST(Validate, MissingKeysAndWrongTopLevel) {
  plist::Value p = dock_profile();
  first_payload(p).erase("PayloadUUID");
  p.as_dict().erase("PayloadContent");
  ValidationReport r = validate(p, nullptr);
  EXPECT_TRUE(has(r, Severity::kError, "the profile has no PayloadContent"));
  ValidationReport arr = validate(plist::Value(plist::Array{}), nullptr);
  EXPECT_TRUE(has(arr, Severity::kError, "the top level is a array, not a dict") ||
              has(arr, Severity::kError, "not a configuration profile"));
  plist::Value q = dock_profile();
  first_payload(q).erase("PayloadUUID");
  EXPECT_TRUE(has(validate(q, nullptr), Severity::kError, "the payload has no PayloadUUID"));
}

TEST(Validate, ShortUuidsAreAcceptedWhenAllowed) {
  plist::Value p = dock_profile();
  first_payload(p).set("PayloadUUID", plist::Value("1"));
  ValidateOptions o;
  o.allow_nonstandard_uuids = true;
  EXPECT_TRUE(validate(p, nullptr, o).ok());
}

TEST(Validate, ParsesTargetOs) {
  ValidateOptions o;
  ASSERT_TRUE(parse_os("macOS:14.0", o).ok());
  EXPECT_EQ(o.os, "macOS");
  EXPECT_EQ(o.os_version, "14.0");
  ASSERT_TRUE(parse_os("ios", o).ok());
  EXPECT_EQ(o.os, "iOS");
  EXPECT_FALSE(parse_os("windows:11", o).ok());
  EXPECT_FALSE(parse_os("macOS:fourteen", o).ok());
}

class SchemaValidate : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = shared_dir() + "/apple-device-management";
    if (!std::filesystem::exists(dir + "/mdm/profiles")) {
      GTEST_SKIP() << "Apple schema not found at " << dir;
    }
    auto s = Schema::open(dir);
    ASSERT_TRUE(s.ok());
    schema_ = *s;
  }
  std::shared_ptr<Schema> schema_;
};

TEST_F(SchemaValidate, TypesRangesAndRangelists) {
  plist::Value p = dock_profile();
  first_payload(p).set("tilesize", plist::Value(200));
  first_payload(p).set("orientation", plist::Value("top"));
  first_payload(p).set("autohide", plist::Value("yes"));
  ValidationReport r = validate(p, schema_.get());
  EXPECT_TRUE(has(r, Severity::kError, "200 is outside the allowed range 16..128")) << messages(r);
  EXPECT_TRUE(
      has(r, Severity::kError, "'top' is not an allowed value ('bottom', 'left', 'right')"));
  EXPECT_TRUE(has(r, Severity::kError, "autohide is a string; the schema says boolean"));
}

TEST_F(SchemaValidate, UnknownKeysWarnForClosedTypesOnly) {
  plist::Value p = dock_profile();
  first_payload(p).set("tilesise", plist::Value(40));
  ValidationReport r = validate(p, schema_.get());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(has(r, Severity::kWarning,
                  "unknown key 'tilesise' for com.apple.dock; did you mean 'tilesize'?"))
      << messages(r);
  // Custom settings: any domain, any key.
  plist::Value c = dock_profile();
  plist::Dict& payload = first_payload(c);
  payload.set("PayloadType", plist::Value("com.apple.ManagedClient.preferences"));
  payload.erase("tilesize");
  plist::Dict settings;
  settings.set("anything", plist::Value(1));
  plist::Dict forced_item;
  forced_item.set("mcx_preference_settings", plist::Value(std::move(settings)));
  plist::Dict domain;
  domain.set("Forced", plist::Value(plist::Array{plist::Value(std::move(forced_item))}));
  plist::Dict content;
  content.set("com.example.app", plist::Value(std::move(domain)));
  payload.set("PayloadContent", plist::Value(std::move(content)));
  ValidationReport rc = validate(c, schema_.get());
  EXPECT_EQ(rc.errors + rc.warnings, 0) << messages(rc);
}

TEST_F(SchemaValidate, PlatformSupportAndMultiple) {
  plist::Value p = dock_profile();
  first_payload(p).set("PayloadType", plist::Value("com.apple.homescreenlayout"));
  first_payload(p).erase("tilesize");
  first_payload(p).set("Pages", plist::Value(plist::Array{}));
  ValidationReport r = validate(p, schema_.get());
  EXPECT_TRUE(
      has(r, Severity::kError, "com.apple.homescreenlayout payloads are not supported on macOS"))
      << messages(r);
  ValidateOptions old;
  ASSERT_TRUE(parse_os("macOS:10.12", old).ok());
  plist::Value tcc = dock_profile();
  first_payload(tcc).set("PayloadType", plist::Value("com.apple.TCC.configuration-profile-policy"));
  first_payload(tcc).erase("tilesize");
  first_payload(tcc).set("Services", plist::Value(plist::Dict()));
  EXPECT_TRUE(has(validate(tcc, schema_.get(), old), Severity::kError,
                  "needs macOS 10.14 or later; the target is macOS 10.12"))
      << messages(validate(tcc, schema_.get(), old));
  plist::Value two = dock_profile();
  plist::Value second = two.get("PayloadContent")->as_array()[0];
  second.as_dict().set("PayloadUUID", plist::Value("B1B2C3D4-E5F6-7890-ABCD-EF1234567890"));
  second.as_dict().set("PayloadIdentifier", plist::Value("com.example.dock.2"));
  two.get("PayloadContent")->as_array().push_back(second);
  EXPECT_TRUE(has(validate(two, schema_.get()), Severity::kError,
                  "a profile may hold only one com.apple.dock payload"));
}

TEST_F(SchemaValidate, UnknownPayloadTypes) {
  plist::Value p = dock_profile();
  first_payload(p).set("PayloadType", plist::Value("com.nonexistent.payload.type"));
  first_payload(p).erase("tilesize");
  EXPECT_TRUE(has(validate(p, schema_.get()), Severity::kError,
                  "unknown PayloadType 'com.nonexistent.payload.type'"));
  // A preference domain with settings is a custom-settings payload on macOS.
  plist::Value chrome = dock_profile();
  first_payload(chrome).set("PayloadType", plist::Value("com.google.Chrome"));
  first_payload(chrome).set("HomepageLocation", plist::Value("https://example.com"));
  ValidationReport r = validate(chrome, schema_.get());
  EXPECT_EQ(r.errors + r.warnings, 0) << messages(r);
  ValidateOptions ios;
  ASSERT_TRUE(parse_os("iOS:17.0", ios).ok());
  EXPECT_FALSE(validate(chrome, schema_.get(), ios).ok());
}

// The mobileconfig-validator fixtures: each invalid one is flagged, valid ones have no error.
TEST(CorpusFixtures, FlagsEachInvalidMobileconfigValidatorFixture) {
  std::string dir = shared_dir() + "/corpus/dev/Talieisin__mobileconfig-validator/";
  std::string schema_dir = shared_dir() + "/apple-device-management";
  if (!std::filesystem::exists(dir) || !std::filesystem::exists(schema_dir)) {
    GTEST_SKIP() << "corpus or schema not found under " << shared_dir();
  }
  auto schema = Schema::open(schema_dir);
  ASSERT_TRUE(schema.ok());
  struct Case {
    const char* file;
    const char* expect;  // error text fragment; empty = no error
    Severity severity;
  };
  const Case cases[] = {
      {"tests__fixtures__invalid__duplicate-uuid.mobileconfig", "duplicate PayloadUUID",
       Severity::kError},
      {"tests__fixtures__invalid__invalid-uuid-format.mobileconfig", "is not a UUID",
       Severity::kError},
      {"tests__fixtures__invalid__missing-payload-uuid.mobileconfig",
       "the payload has no PayloadUUID", Severity::kError},
      {"tests__fixtures__invalid__not-a-plist.mobileconfig", "", Severity::kError},
      {"tests__fixtures__invalid__unknown-payload-type.mobileconfig", "unknown PayloadType",
       Severity::kError},
      {"tests__fixtures__invalid__wrong-outer-type.mobileconfig", "must be 'Configuration'",
       Severity::kError},
      {"tests__fixtures__invalid__wrong-payload-version.mobileconfig", "PayloadVersion is 2",
       Severity::kError},
      {"tests__fixtures__warning__unknown-key.mobileconfig",
       "unknown key 'unknownKeyThatDoesNotExist'", Severity::kWarning},
      {"tests__fixtures__valid__dock-basic.mobileconfig", nullptr, Severity::kError},
      {"tests__fixtures__valid__multiple-payloads.mobileconfig", nullptr, Severity::kError},
      {"tests__fixtures__valid__screensaver.mobileconfig", nullptr, Severity::kError},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    CompileOptions co;
    co.fill_identity = false;
    Result<CompiledProfile> compiled = compile_file(dir + c.file, Context(), co);
    if (std::string_view(c.file).find("not-a-plist") != std::string_view::npos) {
      ASSERT_FALSE(compiled.ok());
      EXPECT_EQ(compiled.error().code, ExitCode::kDataError);
      continue;
    }
    ASSERT_TRUE(compiled.ok()) << compiled.error().format();
    ValidateOptions vo;
    vo.source = compiled->source.get();
    ValidationReport r = validate(compiled->profile, schema->get(), vo);
    if (c.expect == nullptr) {
      EXPECT_TRUE(r.ok()) << messages(r);
    } else {
      EXPECT_TRUE(has(r, c.severity, c.expect)) << messages(r);
      if (c.severity == Severity::kWarning) {
        EXPECT_TRUE(r.ok()) << messages(r);
      }
    }
  }
}

}  // namespace
}  // namespace cmdm::compiler
