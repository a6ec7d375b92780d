// The shared kinds: every name parses back to its value, misspellings suggest the closest name.
#include "emitters/vocabulary.h"

#include <gtest/gtest.h>

namespace cmdm::emitters {
namespace {

TEST(Vocabulary, EveryNameParsesBackToItsValue) {
  for (Level l : {Level::kLossless, Level::kSafe, Level::kAggressive}) {
    EXPECT_EQ(*parse_level(level_name(l)), l);
  }
  for (Route r : {Route::kMdm, Route::kLocal, Route::kUndeliverable}) {
    EXPECT_EQ(*parse_route(route_name(r)), r);
  }
  for (Format f : {Format::kXml, Format::kBinary}) EXPECT_EQ(*parse_format(format_name(f)), f);
  for (const PolicyInfo& p : signing_policies()) {
    EXPECT_EQ(*parse_signing_policy(p.name), p.policy);
    EXPECT_EQ(policy_name(p.policy), p.name);
  }
  EXPECT_EQ(signing_policies().size(), 3u);
}

TEST(Vocabulary, AMisspeltNameIsAUsageErrorThatSuggestsAndLists) {
  Result<SigningPolicy> policy = parse_signing_policy("prefer-sign");
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.error().code, ExitCode::kUsage);
  EXPECT_EQ(policy.error().diagnostics[0].message,
            "unknown signing policy 'prefer-sign'; did you mean 'prefer-signed'? (prefer-signed, "
            "require-signed, unsigned)");
  Result<Level> level = parse_level("agressive");
  ASSERT_FALSE(level.ok());
  EXPECT_EQ(level.error().diagnostics[0].message,
            "unknown level 'agressive'; did you mean 'aggressive'? (lossless, safe, aggressive)");
  Result<Route> route = parse_route("zzzzzzzz");
  ASSERT_FALSE(route.ok());
  EXPECT_EQ(route.error().diagnostics[0].message,
            "unknown route 'zzzzzzzz' (mdm, local, undeliverable)");
}

}  // namespace
}  // namespace cmdm::emitters
