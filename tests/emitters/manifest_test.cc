#include "emitters/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plist/hash.h"

namespace cmdm::emitters {
namespace {

Manifest sample() {
  Manifest m;
  m.generator = "cmdm 0.1.0";
  m.level = Level::kLossless;
  m.targets = {"workspaceone"};
  SourceEntry s;
  s.path = "safari.mobileconfig";
  s.sha256 = plist::sha256_hex("src");
  s.bytes = 3;
  s.identifier = "com.example.safari";
  s.uuid = "A";
  s.display_name = "Safari";
  Part p;
  p.identifier = "com.example.safari";
  p.uuid = "A";
  p.profile = "profiles/com.example.safari.mobileconfig";
  p.bytes = 10;
  p.sha256 = plist::sha256_hex("0123456789");
  p.encoding = Format::kXml;
  p.payloads = {"com.example.safari.p1"};
  p.payload_types = {"com.apple.Safari"};
  TargetRoute r;
  r.target = "workspaceone";
  r.route = Route::kMdm;
  r.size = 120;
  r.limit = 2000;
  r.install = "commands/workspaceone/com.example.safari.install.json";
  r.install_sha256 = plist::sha256_hex("i");
  r.remove = "commands/workspaceone/com.example.safari.remove.json";
  r.remove_sha256 = plist::sha256_hex("r");
  p.routes.push_back(r);
  s.parts.push_back(p);
  m.sources.push_back(s);
  list_files(m, {{"b", "bb"}, {"a", "a"}, {"manifest.json", "x"}});
  return m;
}

TEST(Manifest, ListsFilesSortedWithoutItself) {
  Manifest m = sample();
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].path, "a");
  EXPECT_EQ(m.files[1].size, 2u);
}

TEST(Manifest, WritesKeysInTheDocumentedOrder) {
  std::string text = write_manifest(sample());
  EXPECT_EQ(text.rfind("{\n  \"manifest_version\": 1,\n  \"generator\": \"cmdm 0.1.0\",", 0), 0u);
  EXPECT_LT(text.find("\"sources\""), text.find("\"files\""));
  EXPECT_EQ(text.back(), '\n');
}

TEST(Manifest, StreamedTextMatchesAJsonLibraryLayoutAndEscapes) {
  Manifest m = sample();
  m.sources[0].display_name = "tab\there \"quoted\" back\\slash \x01 caf\xC3\xA9 bad\xFF end";
  m.sources[0].parts[0].payloads.clear();
  m.sources[0].parts[0].payload_types.clear();
  std::string text = write_manifest(m);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
  EXPECT_EQ(j.dump(2) + "\n", text);
  EXPECT_EQ(j["sources"][0]["display_name"],
            "tab\there \"quoted\" back\\slash \x01 caf\xC3\xA9 bad\xEF\xBF\xBD end");
}

TEST(Manifest, RoundTripsThroughJson) {
  std::string text = write_manifest(sample());
  Result<Manifest> m = read_manifest(text);
  ASSERT_TRUE(m.ok()) << m.error().format();
  EXPECT_EQ(write_manifest(*m), text);
  EXPECT_EQ(m->sources[0].parts[0].routes[0].limit, 2000u);
}

TEST(Manifest, ReadsPayloadTypesAndAcceptsManifestsWithoutThem) {
  std::string text = write_manifest(sample());
  Result<Manifest> m = read_manifest(text);
  ASSERT_TRUE(m.ok()) << m.error().format();
  EXPECT_EQ(m->sources[0].parts[0].payload_types, std::vector<std::string>{"com.apple.Safari"});
  // Manifests written before payload types were recorded still read.
  std::size_t at = text.find("\"payload_types\"");
  ASSERT_NE(at, std::string::npos);
  std::size_t end = text.find("],", at);
  text.erase(at, end + 2 - at);
  m = read_manifest(text);
  ASSERT_TRUE(m.ok()) << m.error().format();
  EXPECT_TRUE(m->sources[0].parts[0].payload_types.empty());
}

TEST(Manifest, RejectsAnotherVersion) {
  std::string text = write_manifest(sample());
  text.replace(text.find("\"manifest_version\": 1"), 21, "\"manifest_version\": 2");
  Result<Manifest> m = read_manifest(text);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().diagnostics[0].key_path, "manifest_version");
}

TEST(Manifest, NamesTheKeyPathOfAWrongType) {
  std::string text = write_manifest(sample());
  text.replace(text.find("\"bytes\": 10"), 11, "\"bytes\": \"10\"");
  Result<Manifest> m = read_manifest(text);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().diagnostics[0].key_path, "sources[0].parts[0].bytes");
  EXPECT_EQ(m.error().diagnostics[0].message, "expected a non-negative integer");
}

TEST(Manifest, AnUnknownRouteOrEncodingNamesItsKeyPathAndTheNames) {
  std::string text = write_manifest(sample());
  text.replace(text.find("\"route\": \"mdm\""), 14, "\"route\": \"mdn\"");
  Result<Manifest> m = read_manifest(text);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().diagnostics[0].key_path, "sources[0].parts[0].routes[0].route");
  EXPECT_EQ(m.error().diagnostics[0].message,
            "unknown route 'mdn'; did you mean 'mdm'? (mdm, local, undeliverable)");
  text = write_manifest(sample());
  text.replace(text.find("\"encoding\": \"xml\""), 17, "\"encoding\": \"bin\"");
  m = read_manifest(text);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().diagnostics[0].key_path, "sources[0].parts[0].encoding");
}

TEST(Manifest, RejectsNonJson) {
  EXPECT_FALSE(read_manifest("{").ok());
  EXPECT_FALSE(read_manifest("[]").ok());
}

}  // namespace
}  // namespace cmdm::emitters
