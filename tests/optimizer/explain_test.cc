#include "optimizer/explain.h"

#include <gtest/gtest.h>

#include "optimizer/splitter.h"
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
  root.set("PayloadContent",
           plist::Array{payload("small", "A1B2C3D4-0000-4000-8000-000000000001", small),
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

// A custom-settings payload with many small keys: divides into parts that each fit.
plist::Value many_keys(int keys, std::size_t top_level_filler) {
  plist::Dict settings;
  for (int k = 0; k < keys; ++k)
    settings.append("Setting" + std::to_string(k), "value-" + std::to_string(k));
  plist::Dict forced;
  forced.set("mcx_preference_settings", std::move(settings));
  plist::Dict domain;
  domain.set("Forced", plist::Array{plist::Value(std::move(forced))});
  plist::Dict content;
  content.set("com.example.app", std::move(domain));
  plist::Dict payload;
  payload.set("PayloadType", "com.apple.ManagedClient.preferences");
  payload.set("PayloadIdentifier", "com.example.mcx");
  payload.set("PayloadUUID", "A1B2C3D4-0000-4000-8000-000000000003");
  payload.set("PayloadContent", std::move(content));
  plist::Dict root;
  root.set("PayloadIdentifier", "com.example.p");
  root.set("PayloadUUID", "A1B2C3D4-0000-4000-8000-000000000000");
  root.set("PayloadDescription", std::string(top_level_filler, 'd'));
  root.set("PayloadContent", plist::Array{plist::Value(std::move(payload))});
  return plist::Value(std::move(root));
}

TEST(Explain, SplitAdviceCountsTheRealPartsAndSaysEachFits) {
  Result<Explanation> ex = explain(many_keys(400, 10), options(Level::kLossless));
  ASSERT_TRUE(ex.ok()) << ex.error().format();
  ASSERT_FALSE(ex->result.fits);
  SplitOptions o;
  o.optimize = options(Level::kLossless);
  Result<Split> s = split(many_keys(400, 10), o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ex->next_steps.back(),
            "split it into parts (`cmdm split`): " + std::to_string(s->parts.size()) +
                " parts at lossless, each fits");
}

// The top-level keys travel in every part: with 300 characters of top-level description, the
// payload holding a 1,000-character value does not fit alone at lossless or safe, and fits at
// aggressive (binary). The old advice left the top-level keys out of its "envelope" and could not
// tell which parts would still be too large.
TEST(Explain, SplitAdviceCountsPartsStillTooLargeAndNamesTheLowestLevelWhereAllFit) {
  plist::Value p = many_keys(400, 300);
  p.get("PayloadContent")
      ->as_array()
      .push_back(profile_with(1000, 10).get("PayloadContent")->as_array()[1]);
  Result<Explanation> ex = explain(p, options(Level::kLossless));
  ASSERT_TRUE(ex.ok()) << ex.error().format();
  ASSERT_FALSE(ex->result.fits);
  ASSERT_EQ(ex->splits.size(), 3u);
  EXPECT_EQ(ex->splits[0].level, Level::kLossless);
  ASSERT_EQ(ex->splits[0].too_large.size(), 1u);
  EXPECT_EQ(ex->splits[0].too_large[0], "big");
  EXPECT_EQ(ex->splits[1].level, Level::kSafe);
  EXPECT_EQ(ex->splits[1].too_large.size(), 1u);
  EXPECT_EQ(ex->splits[2].level, Level::kAggressive);
  EXPECT_TRUE(ex->splits[2].too_large.empty());
  const std::string& step = ex->next_steps.back();
  EXPECT_EQ(
      step.rfind(
          "split it into parts (`cmdm split`): at lossless " + std::to_string(ex->splits[0].parts) +
              " parts, 1 of them still too large (big: it cannot fit alone and does not divide "
              "further)",
          0),
      0u)
      << step;
  EXPECT_NE(step.find("; every part fits at --level aggressive (" +
                      std::to_string(ex->splits[2].parts) + " parts)"),
            std::string::npos)
      << step;
}

TEST(Explain, SplitAdviceSaysWhenNoLevelMakesEveryPartFit) {
  Result<Explanation> ex = explain(profile_with(3000, 100), options(Level::kSafe));
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->splits.size(), 2u);  // safe and aggressive
  EXPECT_EQ(ex->splits[0].parts, 2u);
  ASSERT_EQ(ex->splits[0].too_large.size(), 1u);
  EXPECT_EQ(ex->splits[0].too_large[0], "big");
  EXPECT_EQ(ex->next_steps.back(),
            "split it into parts (`cmdm split`): at safe 2 parts, 1 of them still too large (big: "
            "it cannot fit alone "
            "and does not divide further); no level makes every part fit: such a part needs the "
            "local route "
            "(--allow-local) or a smaller source");
}

// Shares of XML profiles come from the incremental model; they must equal a real encoding of the
// profile without the part, including a payload or key that is the only one of its container.
TEST(Explain, XmlSharesEqualEncodingTheProfileWithoutThePart) {
  plist::Value p = profile_with(600, 100);
  plist::Dict lone;
  lone.set("PayloadType", "com.example.lone");
  p.get("PayloadContent")->as_array().push_back(plist::Value(std::move(lone)));
  for (Level level : {Level::kLossless, Level::kSafe}) {
    Result<Explanation> ex = explain(p, options(level));
    ASSERT_TRUE(ex.ok());
    const Optimized& r = ex->result;
    auto counted = [&](const plist::Value& v) {
      return testing::command_xml_size(*encode(v, r.encoding));
    };
    const plist::Array& payloads = r.profile.get("PayloadContent")->as_array();
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      plist::Value without = r.profile;
      without.get("PayloadContent")
          ->as_array()
          .erase(without.get("PayloadContent")->as_array().begin() +
                 static_cast<std::ptrdiff_t>(i));
      const std::size_t share = r.command_size - counted(without);
      bool found = false;
      for (const Share& s : ex->payloads)
        found |=
            s.what.rfind("PayloadContent[" + std::to_string(i) + "]", 0) == 0 && s.chars == share;
      EXPECT_TRUE(found) << i;
      for (const plist::DictEntry& e : payloads[i].as_dict()) {
        plist::Value less = r.profile;
        less.get("PayloadContent")->as_array()[i].as_dict().erase(e.key);
        const std::size_t key_share = r.command_size - counted(less);
        bool key_found = false;
        for (const Share& s : ex->payloads) {
          if (s.what.rfind("PayloadContent[" + std::to_string(i) + "]", 0) != 0) continue;
          for (const Share& k : s.keys) key_found |= k.what == e.key && k.chars == key_share;
        }
        EXPECT_TRUE(key_found) << i << " " << e.key;
      }
    }
    for (const Share& top : ex->top_level) {
      plist::Value without = r.profile;
      without.as_dict().erase(top.what);
      EXPECT_EQ(top.chars, r.command_size - counted(without)) << top.what;
    }
  }
}

TEST(Explain, SaysHowMuchIsLeftWhenItFits) {
  Result<Explanation> ex = explain(profile_with(10, 10), options(Level::kSafe));
  ASSERT_TRUE(ex.ok());
  ASSERT_TRUE(ex->result.fits);
  EXPECT_EQ(ex->next_steps.front().rfind("fits: ", 0), 0u);
}

}  // namespace
}  // namespace cmdm::optimizer
