// The one routing rule: mdm when the target takes the part and it fits; otherwise local only where
// unattended local install works and never for an MDM-only payload type.
#include "pipeline/routing.h"

#include <gtest/gtest.h>

namespace cmdm::pipeline {
namespace {

using emitters::Route;

const emitters::Target& target(const char* name) { return **emitters::find_target(name); }

TEST(Routing, APartThatFitsGoesThroughTheMdm) {
  RouteDecision d = route_part(target("workspaceone"), {.size = 1999}, {.limit = 2000});
  EXPECT_EQ(d.route, Route::kMdm);
  EXPECT_EQ(d.reason, "");
}

TEST(Routing, APartTooLargeAloneIsUndeliverableByDefaultAndSaysTheFixes) {
  RouteDecision d = route_part(target("workspaceone"), {.size = 2500}, {.limit = 2000});
  EXPECT_EQ(d.route, Route::kUndeliverable);
  EXPECT_EQ(d.reason,
            "does not fit workspaceone even alone: 2500 characters of CommandXml > limit 2000, and "
            "since macOS 11 a profile installed locally needs a person's approval; use "
            "--allow-local (install it by hand) or --os macOS:10.15 (older Macs) or raise --level");
}

TEST(Routing, LocalInstallAllowedRoutesItLocalButNeverAnMdmOnlyType) {
  RoutingOptions options{
      .limit = 2000, .local_allowed = true, .level = emitters::Level::kAggressive};
  EXPECT_EQ(route_part(target("workspaceone"), {.size = 2500}, options).route, Route::kLocal);
  RouteDecision tcc =
      route_part(target("workspaceone"),
                 {.size = 2500, .mdm_only = "com.apple.TCC.configuration-profile-policy"}, options);
  EXPECT_EQ(tcc.route, Route::kUndeliverable);
  EXPECT_NE(tcc.reason.find("com.apple.TCC.configuration-profile-policy is installed only through "
                            "an MDM, never locally"),
            std::string::npos);
  EXPECT_EQ(tcc.reason.find("raise --level"), std::string::npos);  // already aggressive
}

TEST(Routing, TheLocalTargetTakesAnyPartButAnMdmOnlyOne) {
  EXPECT_EQ(route_part(target("local"), {.size = 99999}, {}).route, Route::kLocal);
  EXPECT_EQ(route_part(target("local"), {.size = 10, .mdm_only = "com.apple.mdm"}, {}).route,
            Route::kUndeliverable);
}

TEST(Routing, FormsATargetRefusesAreUndeliverableWhateverTheSize) {
  EXPECT_EQ(route_part(target("jamf"), {.size = 10, .is_signed = true}, {}).route,
            Route::kUndeliverable);
  RouteDecision binary = route_part(
      target("workspaceone"), {.size = 10, .format = emitters::Format::kBinary}, {.limit = 2000});
  if (!target("workspaceone").accepts_binary) {
    EXPECT_EQ(binary.route, Route::kUndeliverable);
    EXPECT_NE(binary.reason.find("binary"), std::string::npos);
  }
}

}  // namespace
}  // namespace cmdm::pipeline
