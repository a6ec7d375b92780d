#include "dispatcher/plan.h"

#include <gtest/gtest.h>

namespace cmdm::dispatcher {
namespace {

emitters::Part make_part(std::string identifier, std::size_t order, std::string digest,
                         emitters::Route route = emitters::Route::kMdm) {
  emitters::Part part;
  part.identifier = std::move(identifier);
  part.uuid = "UUID-" + part.identifier;
  part.order = order;
  part.digest = std::move(digest);
  emitters::TargetRoute r;
  r.target = "nanomdm";
  r.route = route;
  if (route != emitters::Route::kMdm) r.reason = "over the limit";
  part.routes.push_back(r);
  return part;
}

emitters::SourceEntry make_source(std::string identifier, std::vector<emitters::Part> parts) {
  emitters::SourceEntry source;
  source.identifier = std::move(identifier);
  for (const emitters::Part& part : parts) source.owns.push_back(part.identifier);
  source.split = parts.size() > 1;
  source.parts = std::move(parts);
  return source;
}

std::vector<InstalledProfile> listing(std::vector<std::string> identifiers) {
  std::vector<InstalledProfile> profiles;
  for (std::string& id : identifiers) profiles.push_back({.identifier = std::move(id)});
  return profiles;
}

InstalledPart recorded(std::string identifier, std::string digest, std::string target = "nanomdm") {
  return {.part_identifier = std::move(identifier),
          .target = std::move(target),
          .profile_uuid = "OLD",
          .digest = std::move(digest)};
}

// "kind identifier" per action, for one readable comparison.
std::vector<std::string> summary(const Plan& p) {
  std::vector<std::string> lines;
  for (const PlanAction& a : p.actions) {
    lines.push_back(std::string(plan_kind_name(a.kind)) + " " + a.identifier);
  }
  return lines;
}

using Lines = std::vector<std::string>;

TEST(Plan, InstallsEveryPartMissingOnTheDeviceInInstallOrder) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.a", {make_part("com.a", 1, "d1")}));
  m.sources.push_back(make_source("com.cert", {make_part("com.cert", 0, "d0")}));
  Plan p = plan(m, "nanomdm", {}, {});
  EXPECT_EQ(summary(p), (Lines{"install com.cert", "install com.a"}));
  EXPECT_EQ(p.actions[0].route->target, "nanomdm");
  EXPECT_EQ(p.actions[0].uuid, "UUID-com.cert");
}

TEST(Plan, LeavesARecordedPartWithTheSameDigestUnchanged) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.a", {make_part("com.a", 0, "d1")}));
  Plan p = plan(m, "nanomdm", listing({"com.a"}), {recorded("com.a", "d1")});
  EXPECT_EQ(summary(p), (Lines{"unchanged com.a"}));
}

TEST(Plan, UpdatesAPartWhoseDigestChanged) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.a", {make_part("com.a", 0, "new")}));
  Plan p = plan(m, "nanomdm", listing({"com.a"}), {recorded("com.a", "old")});
  EXPECT_EQ(summary(p), (Lines{"update com.a"}));
  EXPECT_EQ(p.actions[0].digest, "new");
}

TEST(Plan, ReinstallsARecordedPartTheDeviceLost) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.a", {make_part("com.a", 0, "d1")}));
  Plan p = plan(m, "nanomdm", {}, {recorded("com.a", "d1")});
  EXPECT_EQ(summary(p), (Lines{"install com.a"}));
}

TEST(Plan, RemovesStalePartsAfterAReSplitAfterTheInstalls) {
  emitters::Manifest m;  // was com.a.1..3, now com.a.1..2 with new content
  m.sources.push_back(
      make_source("com.a", {make_part("com.a.1", 0, "n1"), make_part("com.a.2", 1, "n2")}));
  Plan p = plan(m, "nanomdm", listing({"com.a.1", "com.a.2", "com.a.3"}),
                {recorded("com.a.1", "o1"), recorded("com.a.2", "o2"), recorded("com.a.3", "o3")});
  EXPECT_EQ(summary(p), (Lines{"update com.a.1", "update com.a.2", "remove com.a.3"}));
  EXPECT_EQ(p.actions[2].part, nullptr);
  EXPECT_EQ(p.actions[2].uuid, "OLD");
}

TEST(Plan, RemovesThePartsOfASourceThatIsNoLongerSplit) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.a", {make_part("com.a", 0, "whole")}));
  Plan p = plan(m, "nanomdm", listing({"com.a.part1", "com.a.part2"}),
                {recorded("com.a.part1", "x"), recorded("com.a.part2", "y")});
  EXPECT_EQ(summary(p), (Lines{"install com.a", "remove com.a.part1", "remove com.a.part2"}));
}

TEST(Plan, RemovesThePartsOfARemovedSource) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.keep", {make_part("com.keep", 0, "k")}));
  Plan p = plan(m, "nanomdm", listing({"com.keep", "com.gone"}),
                {recorded("com.keep", "k"), recorded("com.gone", "g")});
  EXPECT_EQ(summary(p), (Lines{"unchanged com.keep", "remove com.gone"}));
}

TEST(Plan, NeverTouchesAProfileCmdmDidNotInstall) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.a", {make_part("com.a", 0, "d")}));
  Plan p = plan(m, "nanomdm", listing({"com.a", "com.someone.else"}), {recorded("com.a", "d")});
  EXPECT_EQ(summary(p), (Lines{"unchanged com.a"}));
}

TEST(Plan, IgnoresWhatAnotherTargetInstalled) {
  emitters::Manifest m;
  Plan p = plan(m, "nanomdm", listing({"com.other"}), {recorded("com.other", "d", "micromdm")});
  EXPECT_TRUE(p.actions.empty());
}

TEST(Plan, ForgetsAStalePartTheDeviceNoLongerHas) {
  emitters::Manifest m;
  Plan p = plan(m, "nanomdm", {}, {recorded("com.gone", "g")});
  EXPECT_EQ(summary(p), (Lines{"forget com.gone"}));
}

TEST(Plan, UpdatesAProfileTheBuildOwnsThatCmdmDidNotRecord) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.a", {make_part("com.a", 0, "d")}));
  Plan p = plan(m, "nanomdm", listing({"com.a"}), {});
  EXPECT_EQ(summary(p), (Lines{"update com.a"}));
  EXPECT_NE(p.actions[0].reason.find("not by cmdm"), std::string::npos);
}

TEST(Plan, ReportsPartsWhoseRouteIsNotMdmWithTheirReason) {
  emitters::Manifest m;
  m.sources.push_back(
      make_source("com.big", {make_part("com.big", 0, "d", emitters::Route::kUndeliverable)}));
  Plan p = plan(m, "nanomdm", {}, {});
  EXPECT_EQ(summary(p), (Lines{"not sent com.big"}));
  EXPECT_EQ(p.actions[0].reason, "over the limit");
  Plan other = plan(m, "fleet", {}, {});
  EXPECT_EQ(summary(other), (Lines{"not sent com.big"}));
  EXPECT_EQ(other.actions[0].reason, "the build has no route for target fleet");
}

TEST(Plan, KeepsAnOwnedPartThatIsNotSentInsteadOfRemovingIt) {
  emitters::Manifest m;
  m.sources.push_back(
      make_source("com.big", {make_part("com.big", 0, "d", emitters::Route::kLocal)}));
  Plan p = plan(m, "nanomdm", listing({"com.big"}), {recorded("com.big", "old")});
  EXPECT_EQ(summary(p), (Lines{"not sent com.big"}));
  EXPECT_EQ(p.count(PlanKind::kRemove), 0u);
}

TEST(PlanScope, ManagesThePrefixAndIdentifiersBelowItAtADot) {
  PlanScope scope{.prefix = "com.example.chef"};
  EXPECT_TRUE(scope.manages("com.example.chef"));
  EXPECT_TRUE(scope.manages("com.example.chef.wifi"));
  EXPECT_FALSE(scope.manages("com.example.chefs"));
  EXPECT_FALSE(scope.manages("com.example"));
  PlanScope dotted{.prefix = "com.example.chef."};
  EXPECT_FALSE(dotted.manages("com.example.chef"));
  EXPECT_TRUE(dotted.manages("com.example.chef.wifi"));
  EXPECT_TRUE(PlanScope{}.manages("anything"));
}

TEST(PlanScope, OneSourceManagesOnlyTheProfileAndItsSplitParts) {
  PlanScope scope{.prefix = "com.a", .one_source = true};
  EXPECT_TRUE(scope.manages("com.a"));
  EXPECT_TRUE(scope.manages("com.a.part-1a2b3c4d"));
  EXPECT_FALSE(scope.manages("com.a.wifi"));
}

TEST(Plan, WithAPrefixRemovesOnlyStalePartsUnderIt) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.chef.a", {make_part("com.chef.a", 1, "d1")}));
  Plan p = plan(
      m, "nanomdm", listing({"com.chef.a", "com.chef.b", "com.munki.c"}),
      {recorded("com.chef.a", "d1"), recorded("com.chef.b", "d2"), recorded("com.munki.c", "d3")},
      {.prefix = "com.chef"});
  EXPECT_EQ(summary(p), (Lines{"unchanged com.chef.a", "remove com.chef.b"}));
}

TEST(Plan, CountsInstallsUpdatesAndRemovesAsPendingButNotForgetsOrNotSent) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.a", {make_part("com.a", 1, "d1")}));
  m.sources.push_back(
      make_source("com.big", {make_part("com.big", 2, "d2", emitters::Route::kLocal)}));
  Plan forget_only =
      plan(m, "nanomdm", listing({"com.a"}), {recorded("com.a", "d1"), recorded("com.gone", "d9")});
  EXPECT_EQ(summary(forget_only),
            (Lines{"unchanged com.a", "not sent com.big", "forget com.gone"}));
  EXPECT_EQ(forget_only.pending(), 0u);
  Plan changed = plan(m, "nanomdm", listing({"com.a", "com.gone"}),
                      {recorded("com.a", "old"), recorded("com.gone", "d9")});
  EXPECT_EQ(changed.pending(), 2u);
}

TEST(CheckScope, RefusesEveryPartOutsideThePrefixByName) {
  emitters::Manifest m;
  m.sources.push_back(make_source("com.chef.a", {make_part("com.chef.a", 1, "d1")}));
  m.sources.push_back(make_source("com.other", {make_part("com.other", 2, "d2")}));
  m.sources.back().path = "other.mobileconfig";
  EXPECT_TRUE(check_scope(m, {}));
  Status s = check_scope(m, {.prefix = "com.chef"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ExitCode::kDataError);
  ASSERT_EQ(s.error().diagnostics.size(), 1u);
  EXPECT_EQ(s.error().diagnostics[0].file, "other.mobileconfig");
  EXPECT_NE(s.error().diagnostics[0].message.find("com.other is outside --prefix com.chef"),
            std::string::npos);
}

}  // namespace
}  // namespace cmdm::dispatcher
