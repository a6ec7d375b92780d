// `check` as a library: rows per file, errors kept in their row, parts routed by the build's rule.
#include "pipeline/check.h"

#include <gtest/gtest.h>

#include "pipeline/build.h"
#include "plist/file_io.h"

namespace cmdm::pipeline {
namespace {

const std::string kExamples = std::string(CMDM_SOURCE_DIR) + "/testdata/examples/";

CheckOptions for_target(const char* name, emitters::Level level = emitters::Level::kLossless) {
  CheckOptions o;
  o.optimize.target = *emitters::find_target(name);
  o.optimize.level = level;
  return o;
}

TEST(Check, AFileThatCannotBeReadHasAnErrorAndNoParts) {
  std::vector<CheckRow> rows =
      check({kExamples + "missing.mobileconfig"}, for_target("workspaceone"));
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_TRUE(rows[0].error.has_value());
  EXPECT_EQ(rows[0].error->code, ExitCode::kIoError);
  EXPECT_EQ(rows[0].parts, 0u);
  EXPECT_FALSE(rows[0].fits);
}

TEST(Check, AProfileThatFitsIsOnePart) {
  std::vector<CheckRow> rows =
      check({kExamples + "safari-homepage.mobileconfig"}, for_target("workspaceone"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].error.has_value());
  EXPECT_TRUE(rows[0].fits);
  EXPECT_EQ(rows[0].parts, 1u);
  EXPECT_EQ(rows[0].identifier, "com.example.safari.homepage");
  EXPECT_EQ(rows[0].limit, 2000u);
  EXPECT_LE(rows[0].command_size, 2000u);
}

// A profile the vendor refuses outright (Fleet and FileVault) fits, yet does not pass: the same
// screen `build` routes as undeliverable. Another target takes the same profile.
TEST(Check, AProfileTheVendorRefusesFitsButDoesNotPass) {
  const std::string file =
      std::string(CMDM_SOURCE_DIR) + "/testdata/pipeline/filevault.mobileconfig";
  std::vector<CheckRow> fleet = check({file}, for_target("fleet"));
  ASSERT_EQ(fleet.size(), 1u);
  ASSERT_FALSE(fleet[0].error.has_value());
  EXPECT_TRUE(fleet[0].fits);
  EXPECT_FALSE(fleet[0].passes());
  EXPECT_NE(fleet[0].refusal.find("FileVault"), std::string::npos) << fleet[0].refusal;
  EXPECT_EQ(fleet[0].undeliverable, 1u);

  std::vector<CheckRow> micromdm = check({file}, for_target("micromdm"));
  ASSERT_EQ(micromdm.size(), 1u);
  EXPECT_TRUE(micromdm[0].passes());
  EXPECT_TRUE(micromdm[0].refusal.empty());
}

// The part count and undeliverable count are the build's for the same target and level.
TEST(Check, PartsAndUndeliverableCountsAreTheBuildsForTheSameInput) {
  const std::string file = kExamples + "security-baseline.mobileconfig";
  std::vector<CheckRow> rows = check({file}, for_target("workspaceone", emitters::Level::kSafe));
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_FALSE(rows[0].error.has_value());
  EXPECT_FALSE(rows[0].fits);

  BuildOptions options;
  options.targets = {*emitters::find_target("workspaceone")};
  options.level = emitters::Level::kSafe;
  Result<std::string> bytes = read_file(file);
  ASSERT_TRUE(bytes.ok());
  Result<BuildOutput> built = build({{file, *bytes}}, options);
  ASSERT_TRUE(built.ok()) << built.error().format();
  const emitters::SourceEntry& entry = built->manifest.sources.at(0);
  EXPECT_EQ(rows[0].parts, entry.parts.size());
  std::size_t undeliverable = 0;
  for (const emitters::Part& p : entry.parts) {
    undeliverable += p.routes.at(0).route != emitters::Route::kMdm;
  }
  EXPECT_EQ(rows[0].undeliverable, undeliverable);
}

}  // namespace
}  // namespace cmdm::pipeline
