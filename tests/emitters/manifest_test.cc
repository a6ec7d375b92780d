#include "emitters/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plist/file_io.h"
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
  EXPECT_EQ(text.rfind("{\n  \"manifest_version\": 2,\n  \"generator\": \"cmdm 0.1.0\",", 0), 0u);
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
  for (const char* version : {"3", "0", "\"2\"", "1.5"}) {
    std::string text = write_manifest(sample());
    text.replace(text.find("\"manifest_version\": 2"), 21,
                 std::string("\"manifest_version\": ") + version);
    Result<Manifest> m = read_manifest(text);
    ASSERT_FALSE(m.ok()) << version;
    EXPECT_EQ(m.error().diagnostics[0].key_path, "manifest_version");
    EXPECT_NE(m.error().diagnostics[0].message.find("versions 1 to 2"), std::string::npos);
  }
}

TEST(Manifest, ReadsAVersionOneManifestWithTheDocumentedDefaults) {
  Result<std::string> text =
      read_file(std::string(CMDM_SOURCE_DIR) + "/testdata/emitters/manifest-v1.json");
  ASSERT_TRUE(text.ok());
  Result<Manifest> m = read_manifest(*text);
  ASSERT_TRUE(m.ok()) << m.error().format();
  EXPECT_EQ(m->version, 1);
  ASSERT_FALSE(m->sources.empty());
  const Part& p = m->sources[0].parts[0];
  EXPECT_EQ(p.scope, Scope::kSystem);
  EXPECT_EQ(p.order, 0u);
  EXPECT_EQ(p.digest, p.sha256);
  EXPECT_TRUE(p.routes[0].requests.empty());
  EXPECT_EQ(m->sources[0].owns, std::vector<std::string>{p.identifier});
}

TEST(Manifest, RoundTripsRequestsSlotsAndSizeErrors) {
  Manifest m = sample();
  Part& p = m.sources[0].parts[0];
  p.display_name = "Safari (1 of 2)";
  p.scope = Scope::kUser;
  p.order = 3;
  p.digest = plist::sha256_hex("unsigned");
  m.sources[0].owns = {"com.example.safari"};
  Request q{"install",
            "PUT",
            "/v1/enqueue/{enrollment_id}",
            "application/xml",
            p.routes[0].install,
            p.routes[0].install_sha256,
            {200},
            {{"command_uuid", "body", "00000000-0000-0000-0000-0000000C0DE1", "fresh"}}};
  p.routes[0].requests = {q};
  p.routes[0].size_error = SizeErrorInfo{422, "1012", "too long"};
  std::string text = write_manifest(m);
  Result<Manifest> back = read_manifest(text);
  ASSERT_TRUE(back.ok()) << back.error().format();
  EXPECT_EQ(write_manifest(*back), text);
  const Part& b = back->sources[0].parts[0];
  EXPECT_EQ(b.scope, Scope::kUser);
  EXPECT_EQ(b.routes[0].requests[0].slots[0].placeholder, "00000000-0000-0000-0000-0000000C0DE1");
  EXPECT_EQ(b.routes[0].size_error->status, 422);
  // A status that is not one names its key path.
  text.replace(text.find("\"success\": [\n"), 14, "\"success\": [\n 99,");
  Result<Manifest> bad = read_manifest(text);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().diagnostics[0].key_path,
            "sources[0].parts[0].routes[0].requests[0].success[0]");
}

TEST(Manifest, OrderPutsAReferencedPartFirstAndKeepsOrderOtherwise) {
  Manifest m;
  for (const char* id : {"wifi", "plain", "cert"}) {
    SourceEntry s;
    Part p;
    p.identifier = id;
    s.parts.push_back(p);
    m.sources.push_back(s);
  }
  order_parts(m, {{{"W"}, {"C"}}, {{"P"}, {}}, {{"C"}, {}}});
  EXPECT_EQ(m.sources[0].parts[0].order, 2u);  // wifi waits for cert
  EXPECT_EQ(m.sources[1].parts[0].order, 0u);
  EXPECT_EQ(m.sources[2].parts[0].order, 1u);
  // A cycle keeps manifest order, after everything that has a right order.
  order_parts(m, {{{"A"}, {"B"}}, {{"P"}, {}}, {{"B"}, {"A"}}});
  EXPECT_EQ(m.sources[1].parts[0].order, 0u);
  EXPECT_EQ(m.sources[0].parts[0].order, 1u);
  EXPECT_EQ(m.sources[2].parts[0].order, 2u);
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
