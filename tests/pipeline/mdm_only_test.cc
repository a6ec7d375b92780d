// The built-in list of payload types only an MDM may install, against Apple's schema when the
// shared checkout is present, and what a default build (no --schemas) does with such a part.
#include "optimizer/mdm_only.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "optimizer/schema.h"
#include "pipeline/schema_facts.h"

namespace cmdm::optimizer {
namespace {

namespace fs = std::filesystem;

std::string shared_dir() {
  const char* env = std::getenv("CMDM_SHARED");
  return env ? env : CMDM_SHARED_DIR;
}

TEST(MdmOnly, BuiltInListEqualsApplesSchemaPlusEnrollment) {
  const fs::path schema_dir = fs::path(shared_dir()) / "apple-device-management";
  if (!fs::exists(schema_dir / "mdm" / "profiles")) {
    GTEST_SKIP() << "no Apple schema checkout at " << schema_dir;
  }
  Result<SchemaFacts> facts = pipeline::load_schema_facts(schema_dir.string());
  ASSERT_TRUE(facts.ok()) << facts.error().format();
  std::vector<std::string> expected = facts->mdm_only_types();
  ASSERT_FALSE(expected.empty());
  expected.push_back("com.apple.mdm");
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> builtin(builtin_mdm_only_types().begin(),
                                   builtin_mdm_only_types().end());
  EXPECT_EQ(builtin, expected) << "update optimizer/mdm_only.cc from Apple's schema";
}

TEST(MdmOnly, BuiltInListIsSortedForLookup) {
  const auto& types = builtin_mdm_only_types();
  EXPECT_TRUE(std::is_sorted(types.begin(), types.end()));
}

TEST(MdmOnly, WithoutSchemaPrivacyAndExtensionsAreMdmOnly) {
  EXPECT_TRUE(is_mdm_only("com.apple.TCC.configuration-profile-policy", nullptr));
  EXPECT_TRUE(is_mdm_only("com.apple.system-extension-policy", nullptr));
  EXPECT_TRUE(is_mdm_only("com.apple.mdm", nullptr));
  EXPECT_FALSE(is_mdm_only("com.apple.Safari", nullptr));
  EXPECT_FALSE(is_mdm_only("com.apple.TCC", nullptr));  // a prefix is not the type
}

TEST(MdmOnly, ASchemaRefreshesTheTypesItDescribes) {
  SchemaFacts schema;
  SchemaFacts::Type closed;
  closed.macos_manual_install = false;
  schema.add_type("com.example.new-mdm-only", closed);
  EXPECT_TRUE(is_mdm_only("com.example.new-mdm-only", &schema));
  EXPECT_TRUE(is_mdm_only("com.apple.mdm", &schema));
  SchemaFacts::Type relaxed;
  schema.add_type("com.apple.lom", relaxed);  // a newer schema lifting the restriction
  EXPECT_FALSE(is_mdm_only("com.apple.lom", &schema));
  // A type this schema does not describe keeps the built-in answer.
  EXPECT_TRUE(is_mdm_only("com.apple.TCC.configuration-profile-policy", &schema));
}

}  // namespace
}  // namespace cmdm::optimizer
