#include "frontend/listing.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plist/file_io.h"
#include "plist/reader.h"

namespace cmdm::frontend {
namespace {

std::string read(const std::string& path) {
  Result<std::string> bytes = read_file(path);
  EXPECT_TRUE(bytes) << path;
  return bytes ? *bytes : std::string();
}

// ../shared/cm-tools-fixtures: real listings from public repositories (skipped when absent).
std::string fixture(const std::string& name) {
  return std::string(CMDM_SOURCE_DIR) + "/../shared/cm-tools-fixtures/" + name;
}
#define SKIP_WITHOUT(path)                  \
  do {                                      \
    if (!std::filesystem::exists(path)) {   \
      GTEST_SKIP() << path << " is absent"; \
    }                                       \
  } while (false)

std::string own(const std::string& name) {
  return std::string(CMDM_SOURCE_DIR) + "/testdata/frontend/" + name;
}

const dispatcher::SourceRecord kBig{
    .identifier = "com.example.big",
    .target = "nanomdm",
    .uuid = "BBBBBBBB-0000-4000-8000-00000000000B",
    .display_name = "Big",
    .parts = {"com.example.big.part-0a1b2c3d", "com.example.big.part-4e5f6a7b"},
    .installed_at = 1714557600};  // 2024-05-01 10:00:00 UTC
const dispatcher::SourceRecord kHalf{
    .identifier = "com.example.half",
    .target = "nanomdm",
    .uuid = "HHHHHHHH-0000-4000-8000-00000000000H",
    .display_name = "Half",
    .parts = {"com.example.half.part-00000001", "com.example.half.part-00000002"}};

std::vector<std::string> identifiers(const plist::Value& listing, const std::string& owner) {
  std::vector<std::string> ids;
  for (const plist::Value& e : listing.get(owner)->as_array()) {
    ids.push_back(*e.get_string("ProfileIdentifier"));
  }
  return ids;
}

TEST(Listing, PassesARealListingThroughByteForByte) {
  const std::string path = fixture("osquery-extension/test_profiles_stdout.plist");
  SKIP_WITHOUT(path);
  const std::string bytes = read(path);
  Result<plist::Value> merged = merge_listing(bytes, path, {kBig}, ListScope::kAll, "");
  ASSERT_TRUE(merged) << merged.error().format();
  // The upstream file lacks the final newline the tool (and CoreFoundation) writes.
  EXPECT_EQ(listing_xml(*merged), bytes.ends_with('\n') ? bytes : bytes + "\n");
}

TEST(Listing, ReadsEveryFixtureAndWritesTheTwoStringTypesAsCallersParseThem) {
  for (const char* name :
       {"chef/osx_profile_spec-profile_raw_xml.plist", "nix-installer/profile.sample.unknown.plist",
        "nix-installer/profile.sample.block.plist",
        "osquery-extension/test_profiles_stdout.plist"}) {
    const std::string path = fixture(name);
    SKIP_WITHOUT(path);
    Result<plist::Value> merged = merge_listing(read(path), path, {}, ListScope::kAll, "");
    ASSERT_TRUE(merged) << merged.error().format();
    std::size_t entries = 0;
    for (const plist::DictEntry& owner : merged->as_dict()) {
      for (const plist::Value& e : owner.value.as_array()) {
        ++entries;
        EXPECT_NE(e.get_string("ProfileIdentifier"), nullptr) << name;
        for (const char* key : {"ProfileInstallDate", "ProfileRemovalDisallowed"}) {
          if (const plist::Value* v = e.get(key)) {
            EXPECT_TRUE(v->is_string()) << name << " " << key;
          }
        }
      }
    }
    EXPECT_GT(entries, 0u) << name;
  }
}

TEST(Listing, KeepsOnlyTheOwnersTheScopeNames) {
  const std::string path = fixture("chef/osx_profile_spec-profile_raw_xml.plist");
  SKIP_WITHOUT(path);
  const std::string bytes = read(path);
  Result<plist::Value> users = merge_listing(bytes, path, {}, ListScope::kUser, "tsmith");
  ASSERT_TRUE(users);
  EXPECT_NE(users->get("tsmith"), nullptr);
  Result<plist::Value> computer = merge_listing(bytes, path, {}, ListScope::kComputer, "");
  ASSERT_TRUE(computer);
  EXPECT_EQ(computer->get("tsmith"), nullptr);
}

TEST(Listing, ShowsASplitProfileAsTheOneTheCallerInstalled) {
  const std::string path = own("split_listing.plist");
  Result<plist::Value> merged = merge_listing(read(path), path, {kBig, kHalf}, ListScope::kAll, "");
  ASSERT_TRUE(merged) << merged.error().format();
  const std::string expected = own("split_listing.expected.plist");
  // CMDM_REGEN=1 rewrites the expectation (then read it before committing it).
  if (std::getenv("CMDM_REGEN") != nullptr) {
    ASSERT_TRUE(write_file_atomic(expected, listing_xml(*merged)));
  }
  EXPECT_EQ(listing_xml(*merged), read(expected));
  EXPECT_EQ(identifiers(*merged, "_computerlevel"),
            (std::vector<std::string>{"com.other.vpn", "com.example.big",
                                      "com.example.half.part-00000001"}))
      << "a source with a part missing is not shown as installed";
  const plist::Value& big = merged->get("_computerlevel")->as_array()[1];
  EXPECT_EQ(*big.get_string("ProfileUUID"), kBig.uuid);
  EXPECT_EQ(*big.get_string("ProfileDisplayName"), "Big");
  EXPECT_EQ(*big.get_string("ProfileInstallDate"), "2024-05-01 10:00:00 +0000");
  EXPECT_EQ(big.get("ProfileItems")->as_array().size(), 2u);
}

TEST(Listing, KeepsTheLedgersFirstInstallDateWhenAPartIsReinstalled) {
  const std::string path = own("split_listing.plist");
  std::string bytes = read(path);
  // The second part reinstalled later: the device's date moves, the listed one does not.
  const std::string later = "2024-06-01 10:00:00 +0000";
  ASSERT_NE(bytes.find(later), std::string::npos);
  bytes.replace(bytes.find(later), later.size(), "2025-01-01 00:00:00 +0000");
  Result<plist::Value> merged = merge_listing(bytes, path, {kBig}, ListScope::kAll, "");
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged->get("_computerlevel")->as_array()[1].get_string("ProfileInstallDate"),
            "2024-05-01 10:00:00 +0000");
}

TEST(Listing, TreatsApplesNoProfilesSentenceAsAnEmptyListing) {
  Result<plist::Value> empty = merge_listing("There are no configuration profiles installed\n",
                                             "profiles", {}, ListScope::kAll, "");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->as_dict().empty());
  EXPECT_EQ(listing_text(*empty, ListScope::kAll, ""),
            "There are no configuration profiles installed in the system domain\n");
}

TEST(Listing, RefusesAListingThatIsNotADictionaryOfOwners) {
  Result<plist::Value> bad =
      merge_listing("<plist><array/></plist>", "profiles", {}, ListScope::kAll, "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ExitCode::kDataError);
  Result<plist::Value> broken = merge_listing("<plist><dict>", "profiles", {}, ListScope::kAll, "");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ExitCode::kDataError);
}

TEST(Listing, PrintsTheTextListingPerOwner) {
  const std::string path = own("split_listing.plist");
  Result<plist::Value> merged = merge_listing(read(path), path, {kBig}, ListScope::kAll, "");
  ASSERT_TRUE(merged);
  EXPECT_EQ(listing_text(*merged, ListScope::kAll, ""),
            "_computerlevel[1] attribute: profileIdentifier: com.other.vpn\n"
            "_computerlevel[2] attribute: profileIdentifier: com.example.big\n"
            "_computerlevel[3] attribute: profileIdentifier: com.example.half.part-00000001\n"
            "There are 3 system configuration profiles installed\n"
            "alice[1] attribute: profileIdentifier: com.example.user\n"
            "There are 1 user configuration profiles installed for 'alice'\n");
}

}  // namespace
}  // namespace cmdm::frontend
