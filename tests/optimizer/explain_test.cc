#include "optimizer/explain.h"

#include <gtest/gtest.h>

#include "tests/optimizer/fake_target.h"

namespace cmdm::optimizer {
namespace {

plist::Value profile_with(std::size_t big, std::size_t small) {
  auto payload = [](const std::string& id, const std::string& uuid, std::size_t n) {
    plist::Dict d;
    d.set("PayloadType", "com.example.settings");
    d.set("PayloadIdentifier", id);
    d.set("PayloadUUID", uuid);
    d.set("PayloadDescription", std::string(300, 'd'));
    d.set("Blob", std::string(n, 'x'));
    return plist::Value(std::move(d));
  };
  plist::Dict root;
  root.set("PayloadIdentifier", "com.example.p");
  root.set("PayloadUUID", "A1B2C3D4-0000-4000-8000-000000000000");
  root.set("PayloadContent", plist::Array{payload("small", "A1B2C3D4-0000-4000-8000-000000000001", small),
                                           payload("big", "A1B2C3D4-0000-4000-8000-000000000002", big)});
  return plist::Value(std::move(root));
}

OptimizeOptions options(Level level) {
  OptimizeOptions o;
  o.level = level;
  o.target = &testing::fake_workspaceone();
  return o;
}

TEST(Explain, ListsPayloadsAndKeysLargestFirst) {
  Result<Explanation> ex = explain(profile_with(600, 100), options(Level::kLossless));
  ASSERT_TRUE(ex.ok()) << ex.error().format();
  ASSERT_EQ(ex->payloads.size(), 2u);
  EXPECT_NE(ex->payloads[0].what.find("(big)"), std::string::npos);
  EXPECT_GT(ex->payloads[0].chars, ex->payloads[1].chars);
  EXPECT_EQ(ex->payloads[0].keys.front().what, "Blob");
  // The key and its 600-character value (about 620 bytes of XML) cost 4/3 as many in base64.
  EXPECT_NEAR(static_cast<double>(ex->payloads[0].keys.front().chars), (600 + 20) * 4.0 / 3, 30);
}

TEST(Explain, SuggestsTheLevelThatMakesItFit) {
  // About 1,900 characters at lossless with 2 × 300 characters of descriptions that safe drops.
  Result<Explanation> ex = explain(profile_with(520, 100), options(Level::kLossless));
  ASSERT_TRUE(ex.ok());
  ASSERT_FALSE(ex->result.fits) << ex->result.command_size;
  ASSERT_GE(ex->next_steps.size(), 2u);
  EXPECT_EQ(ex->next_steps[1].rfind("use --level safe", 0), 0u) << ex->next_steps[1];
}

TEST(Explain, SuggestsSplittingWhenNoLevelFits) {
  Result<Explanation> ex = explain(profile_with(3000, 100), options(Level::kAggressive));
  ASSERT_TRUE(ex.ok());
  EXPECT_FALSE(ex->result.fits);
  EXPECT_NE(ex->next_steps.back().find("split"), std::string::npos);
  EXPECT_NE(ex->next_steps.back().find("cannot fit alone"), std::string::npos);
}

TEST(Explain, SaysHowMuchIsLeftWhenItFits) {
  Result<Explanation> ex = explain(profile_with(10, 10), options(Level::kSafe));
  ASSERT_TRUE(ex.ok());
  ASSERT_TRUE(ex->result.fits);
  EXPECT_EQ(ex->next_steps.front().rfind("fits: ", 0), 0u);
}

}  // namespace
}  // namespace cmdm::optimizer
