// The HTML size report (cli/size_report.h): measured shares in the treemap, areas in proportion,
// escaping, order, and nothing outside the page.
#include "cli/size_report.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "emitters/targets.h"
#include "pipeline/context.h"

namespace cmdm::cli {
namespace {

ReportEntry explained(const std::string& example,
                      emitters::Level level = emitters::Level::kLossless) {
  optimizer::OptimizeOptions options;
  options.level = level;
  options.target = *emitters::find_target("workspaceone");
  Result<compiler::Context> context = pipeline::make_context({});
  EXPECT_TRUE(context.ok());
  std::string file = std::string(CMDM_SOURCE_DIR) + "/testdata/examples/" + example;
  Result<ExplainedSource> ex = explain_source(file, options, *context, {});
  EXPECT_TRUE(ex.ok()) << (ex.ok() ? "" : ex.error().format());
  return {.file = example, .explanation = std::move(ex->explanation)};
}

struct Tile {
  std::string group;
  double chars, area;
};

// The leaves of the page's treemaps: the group they belong to, their characters, their area.
std::vector<Tile> leaves(const std::string& html) {
  static const std::regex kLeaf(
      R"re(<g class="leaf" data-chars="(\d+)" data-group="([^"]*)"><rect x="[^"]*" y="[^"]*" width="([\d.]+)" height="([\d.]+)")re");
  std::vector<Tile> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kLeaf);
       it != std::sregex_iterator(); ++it) {
    out.push_back({(*it)[2], std::stod((*it)[1]), std::stod((*it)[3]) * std::stod((*it)[4])});
  }
  return out;
}

TEST(SizeReport, PayloadTilesCarryTheMeasuredShares) {
  ReportEntry e = explained("security-baseline.mobileconfig");
  std::string html = html_report({e}, "workspaceone", "t");
  ASSERT_GE(e.explanation->payloads.size(), 5u);
  for (const optimizer::Share& p : e.explanation->payloads) {
    std::size_t keys = 0;
    for (const optimizer::Share& k : p.keys) keys += k.chars;
    // A group is the payload's share, or the sum of its keys' when they add up to more.
    std::string want =
        "<g class=\"group\" data-chars=\"" + std::to_string(std::max(keys, p.chars)) + "\">";
    EXPECT_NE(html.find(want), std::string::npos) << p.what;
  }
  EXPECT_NE(
      html.find("data-command=\"" + std::to_string(e.explanation->result.command_size) + "\""),
      std::string::npos);
}

TEST(SizeReport, TileAreasAreInProportionToCharacters) {
  std::string html =
      html_report({explained("security-baseline.mobileconfig")}, "workspaceone", "t");
  std::map<std::string, std::vector<Tile>> groups;
  for (const Tile& t : leaves(html)) groups[t.group].push_back(t);
  ASSERT_GE(groups.size(), 5u);
  for (const auto& [name, tiles] : groups) {
    double ratio = tiles.front().area / tiles.front().chars;
    for (const Tile& t : tiles) {
      // Coordinates are written with one decimal: allow for that rounding on small tiles.
      EXPECT_NEAR(t.area / t.chars, ratio, ratio * 0.05 + 2.0 / t.chars) << name;
    }
  }
}

TEST(SizeReport, ProfilesThatDoNotFitComeFirst) {
  std::string html = html_report({explained("safari-homepage.mobileconfig"),
                                  {.file = "broken.mobileconfig", .error = "malformed"},
                                  explained("security-baseline.mobileconfig")},
                                 "workspaceone", "t");
  std::size_t over = html.find("data-file=\"security-baseline.mobileconfig\"");
  std::size_t broken = html.find("data-file=\"broken.mobileconfig\"");
  std::size_t fits = html.find("data-file=\"safari-homepage.mobileconfig\"");
  ASSERT_NE(fits, std::string::npos);
  EXPECT_LT(over, broken);
  EXPECT_LT(broken, fits);
  EXPECT_NE(html.find("1 of 3 profiles fit workspaceone"), std::string::npos);
}

TEST(SizeReport, EscapesNamesAndMessages) {
  std::string html =
      html_report({{.file = "<script>x</script>\".mobileconfig", .error = "a & <b>"}},
                  "workspaceone", "<title>");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;x&lt;/script&gt;&quot;.mobileconfig"), std::string::npos);
  EXPECT_NE(html.find("a &amp; &lt;b&gt;"), std::string::npos);
  EXPECT_NE(html.find("<title>&lt;title&gt;</title>"), std::string::npos);
}

TEST(SizeReport, ReferencesNothingOutsideThePage) {
  std::string html =
      html_report({explained("security-baseline.mobileconfig", emitters::Level::kAggressive)},
                  "workspaceone", "t");
  for (const char* outside : {"http:", "https:", "<script", "<link", "<img", "url(", "@import"}) {
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  }
}

TEST(SizeReport, FixStepsLeaveOutTheRestatedExcess) {
  ReportEntry e = explained("security-baseline.mobileconfig");
  ASSERT_FALSE(e.explanation->result.fits);
  std::vector<std::string> steps = fix_steps(*e.explanation);
  ASSERT_FALSE(steps.empty());
  EXPECT_LT(steps.size(), e.explanation->next_steps.size());
  for (const std::string& s : steps) EXPECT_NE(s.rfind("does not fit", 0), 0u) << s;
}

}  // namespace
}  // namespace cmdm::cli
