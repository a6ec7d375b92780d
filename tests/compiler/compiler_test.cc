// Compile entry points: variables and facts files, --var parsing, directory sets, determinism.
#include "compiler/compiler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plist/file_io.h"

namespace cmdm::compiler {
namespace {

class TempDir {
 public:
  TempDir() {
    path_ =
        std::filesystem::temp_directory_path() /
        ("cmdm-compiler-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = (path_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(Vars, AssignmentsSetStringsOrTypedValues) {
  Context c;
  ASSERT_TRUE(add_var_assignment(c, "site=HQ=1").ok());
  ASSERT_TRUE(add_var_assignment(c, "team_ids:=[\"A\",\"B\"]").ok());
  ASSERT_TRUE(add_var_assignment(c, "facts.os_version=14.2").ok());
  ASSERT_TRUE(add_var_assignment(c, "n:=3").ok());
  EXPECT_EQ(c.values.find("site")->as_string(), "HQ=1");
  EXPECT_EQ(c.values.find("team_ids")->as_array().size(), 2u);
  EXPECT_EQ(*c.values.find("facts")->get_string("os_version"), "14.2");
  EXPECT_EQ(*c.values.find("n"), plist::Value(3));
  Status bad = add_var_assignment(c, "novalue");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ExitCode::kUsage);
  EXPECT_FALSE(add_var_assignment(c, "x:=[1,").ok());
  EXPECT_FALSE(add_var_assignment(c, "bad name=1").ok());
}

TEST(Vars, FilesMergeLaterWinsAndFactsGoUnderFacts) {
  TempDir t;
  std::string a = t.write("a.json", R"({"site": "HQ", "team_ids": ["A"]})");
  std::string b = t.write("b.yaml", "site: Lab\nport: 443\n");
  std::string f =
      t.write("facts.plist",
              "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>os_version</key>"
              "<string>14.5</string></dict></plist>");
  Context c;
  ASSERT_TRUE(add_vars_file(c, a).ok());
  ASSERT_TRUE(add_vars_file(c, b).ok());
  Status s = add_facts_file(c, f);
  ASSERT_TRUE(s.ok()) << s.error().format();
  EXPECT_EQ(c.values.find("site")->as_string(), "Lab");
  EXPECT_EQ(*c.values.find("port"), plist::Value(443));
  EXPECT_EQ(c.values.find("team_ids")->as_array().size(), 1u);
  EXPECT_EQ(*c.values.find("facts")->get_string("os_version"), "14.5");
  std::string list = t.write("list.json", "[1, 2]");
  EXPECT_FALSE(add_vars_file(c, list).ok());
  EXPECT_EQ(add_vars_file(c, t.path() + "/missing.json").error().code, ExitCode::kIoError);
}

TEST(Sources, DirectoryCompilesAsASortedSet) {
  TempDir t;
  t.write("b.json", "{}");
  t.write("a.mobileconfig", "x");
  t.write("c.yaml", "a: 1");
  t.write("notes.txt", "ignored");
  auto files = expand_sources(t.path());
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ(std::filesystem::path((*files)[0]).filename(), "a.mobileconfig");
  EXPECT_EQ(std::filesystem::path((*files)[2]).filename(), "c.yaml");
}

TEST(Compile, SameInputsGiveTheSameProfile) {
  const char* src =
      "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
      "<key>PayloadIdentifier</key><string>com.example.kext</string>"
      "<key>PayloadContent</key><array><dict>"
      "<key>PayloadType</key><string>com.apple.syspolicy.kernel-extension-policy</string>"
      "<key>AllowedTeamIdentifiers</key><array><string cmdm:each=\"t in team_ids\">{{ t "
      "}}</string></array>"
      "</dict></array></dict></plist>";
  Context c;
  ASSERT_TRUE(add_var_assignment(c, "team_ids:=[\"EG7KH642X6\",\"VB5E2TV963\"]").ok());
  auto a = compile_bytes(src, "kext.mobileconfig", c);
  auto b = compile_bytes(src, "kext.mobileconfig", c);
  ASSERT_TRUE(a.ok()) << a.error().format();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->profile, b->profile);
  EXPECT_EQ(plist::digest_hex(a->profile), plist::digest_hex(b->profile));
  EXPECT_EQ(*a->profile.get_string("PayloadType"), "Configuration");
  EXPECT_TRUE(a->templated);
}

TEST(Compile, SignedInputIsUnwrappedOrClearlyRefused) {
  // A DER SEQUENCE holding the pkcs7-signedData OID, with garbage content.
  std::string der("\x30\x80\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x07\x02\xA0\x80\x00\x00\x00\x00",
                  19);
  auto r = compile_bytes(der, "signed.mobileconfig", Context());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kDataError);
}

// The example signed profile (ECDSA P-256, content attached), changed as an attacker would: one
// character of a string inside the signed content, same length, so the DER stays well-formed.
std::string signed_example() {
  Result<std::string> bytes =
      read_file(std::string(CMDM_SOURCE_DIR) + "/testdata/examples/timeserver-signed.mobileconfig");
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : std::string();
}

std::string with_changed_content(std::string bytes) {
  const std::size_t at = bytes.find("time.example.com");
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) bytes[at] = 'T';
  return bytes;
}

TEST(CompileSigned, AnIntactSignatureIsDroppedWithANote) {
  auto r = compile_bytes(signed_example(), "signed.mobileconfig", Context());
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(r->format, SourceFormat::kCmsSigned);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].message.find("is dropped"), std::string::npos);
  EXPECT_EQ(r->warnings[0].message.find("INVALID"), std::string::npos);
}

TEST(CompileSigned, ContentChangedAfterSigningIsRefusedAsInvalid) {
  auto r =
      compile_bytes(with_changed_content(signed_example()), "tampered.mobileconfig", Context());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kDataError);
  const std::string text = r.error().format();
  EXPECT_NE(text.find("tampered.mobileconfig: error: the signature (by "), std::string::npos)
      << text;
  EXPECT_NE(text.find("is INVALID: content digest mismatch"), std::string::npos) << text;
  EXPECT_NE(text.find("--allow-invalid-signature"), std::string::npos) << text;
}

TEST(CompileSigned, AChangedSignatureIsRefusedAsInvalid) {
  // The file ends with the ECDSA signature's last INTEGER; changing its last byte keeps the DER
  // well-formed and the content intact, so only the signature check can notice.
  std::string bytes = signed_example();
  ASSERT_FALSE(bytes.empty());
  bytes.back() = static_cast<char>(bytes.back() ^ 0x01);
  auto r = compile_bytes(bytes, "resigned.mobileconfig", Context());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kDataError);
  EXPECT_NE(r.error().format().find("INVALID: the signature is invalid"), std::string::npos)
      << r.error().format();
}

TEST(CompileSigned, AllowInvalidSignatureReadsTheChangedContentWithAnInvalidWarning) {
  CompileOptions options;
  options.allow_invalid_signature = true;
  auto r = compile_bytes(with_changed_content(signed_example()), "tampered.mobileconfig", Context(),
                         options);
  ASSERT_TRUE(r.ok()) << r.error().format();
  const plist::Value* content = r->profile.get("PayloadContent");
  ASSERT_TRUE(content && content->is_array());
  EXPECT_EQ(*content->as_array()[0].get_string("timeServer"), "Time.example.com");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0].severity, Severity::kWarning);
  EXPECT_NE(r->warnings[0].message.find("is INVALID: content digest mismatch"), std::string::npos)
      << r->warnings[0].message;
}

}  // namespace
}  // namespace cmdm::compiler
