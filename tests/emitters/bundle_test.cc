#include "emitters/bundle.h"

#include <gtest/gtest.h>

#include <cstring>

namespace cmdm::emitters {
namespace {

std::vector<Artifact> sample() {
  std::vector<Artifact> a = {{"profiles/b.mobileconfig", std::string(5000, 'b')},
                             {"commands/raw/a.install.plist", "<plist/>"},
                             {"profiles/a.mobileconfig", ""}};
  Manifest m;
  m.generator = "cmdm test";
  list_files(m, a);
  a.push_back({"manifest.json", write_manifest(m)});
  return a;
}

// Builds a bundle from a raw payload (for hostile-input tests).
std::string frame(const std::string& payload, std::uint64_t declared);

TEST(Bundle, RoundTripsWithManifestFirstAndEntriesSorted) {
  auto bundle = write_bundle(sample());
  ASSERT_TRUE(bundle.ok()) << bundle.error().format();
  EXPECT_EQ(bundle->substr(0, 8), "CMDMBNDL");
  auto entries = read_bundle(*bundle);
  ASSERT_TRUE(entries.ok()) << entries.error().format();
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].path, "manifest.json");
  EXPECT_EQ((*entries)[1].path, "commands/raw/a.install.plist");
  EXPECT_EQ((*entries)[3].bytes, std::string(5000, 'b'));
}

TEST(Bundle, SameArtifactsGiveTheSameBytes) {
  auto a = sample();
  auto b = sample();
  std::swap(b[0], b[2]);
  EXPECT_EQ(*write_bundle(a), *write_bundle(b));
}

TEST(Bundle, RefusesABundleWithoutManifest) {
  EXPECT_FALSE(write_bundle({{"a", "b"}}).ok());
}

TEST(Bundle, RefusesWrongMagicVersionAndTruncation) {
  std::string good = *write_bundle(sample());
  EXPECT_FALSE(read_bundle("").ok());
  EXPECT_FALSE(read_bundle("CMDMBND").ok());
  std::string v2 = good;
  v2[8] = 2;
  auto r = read_bundle(v2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().diagnostics[0].message, "unsupported bundle version 2 (this cmdm reads 1)");
  for (std::size_t cut : {10u, 24u, 30u}) {
    EXPECT_FALSE(read_bundle(good.substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(read_bundle(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(read_bundle(good + "x").ok());
}

TEST(Bundle, RefusesAPayloadLargerThanTheLimitBeforeAllocating) {
  std::string good = *write_bundle(sample());
  BundleLimits small;
  small.max_payload_bytes = 100;
  auto r = read_bundle(good, "b", small);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().diagnostics[0].message.find("exceeds the limit"), std::string::npos);
  std::string huge = good;
  for (int i = 16; i < 24; ++i) huge[i] = '\xFF';
  EXPECT_FALSE(read_bundle(huge).ok());
}

TEST(Bundle, EveryFlippedByteIsDetected) {
  std::string good = *write_bundle(sample());
  for (std::size_t i = 0; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    EXPECT_FALSE(read_bundle(bad).ok()) << "byte " << i;
  }
}

void put_le(std::string& s, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace
}  // namespace cmdm::emitters

#include <zstd.h>

namespace cmdm::emitters {
namespace {

std::string frame(const std::string& payload, std::uint64_t declared) {
  std::string out = "CMDMBNDL";
  put_le(out, 1, 4);
  put_le(out, 0, 4);
  put_le(out, declared, 8);
  std::string z(ZSTD_compressBound(payload.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), payload.data(), payload.size(), 1));
  return out + z;
}

std::string entry(const std::string& path, std::uint64_t size, const std::string& digest = std::string(32, '\0')) {
  std::string e;
  put_le(e, path.size(), 2);
  e += path;
  put_le(e, size, 8);
  return e + digest;
}

TEST(Bundle, RefusesPathTraversalInEntries) {
  std::string payload;
  put_le(payload, 1, 4);
  payload += entry("../evil", 1);
  payload += "x";
  auto r = read_bundle(frame(payload, payload.size()));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().diagnostics[0].message.find("unsafe artifact path"), std::string::npos);
}

TEST(Bundle, RefusesEntrySizesThatOverflowThePayload) {
  std::string payload;
  put_le(payload, 2, 4);
  payload += entry("manifest.json", 1);
  payload += entry("a", UINT64_MAX);
  payload += "x";
  auto r = read_bundle(frame(payload, payload.size()));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().diagnostics[0].message.find("larger than the bundle"), std::string::npos);
}

TEST(Bundle, RefusesAHugeEntryCountCheaply) {
  std::string payload;
  put_le(payload, 0xFFFFFFFF, 4);
  EXPECT_FALSE(read_bundle(frame(payload, payload.size())).ok());
}

TEST(Bundle, RefusesADeclaredSizeThatDiffersFromTheFrame) {
  std::string payload(100, 'a');
  EXPECT_FALSE(read_bundle(frame(payload, 99)).ok());
}

TEST(Bundle, RefusesDuplicateEntries) {
  std::string payload;
  put_le(payload, 2, 4);
  payload += entry("manifest.json", 0);
  payload += entry("manifest.json", 0);
  auto r = read_bundle(frame(payload, payload.size()));
  ASSERT_FALSE(r.ok());
}

}  // namespace
}  // namespace cmdm::emitters
