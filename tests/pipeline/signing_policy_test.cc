// The signing policy: prefer signed, fall back to unsigned, split when neither fits.
#include "pipeline/signing_policy.h"

#include <gtest/gtest.h>

namespace cmdm::pipeline {
namespace {

TEST(SigningPolicy, SignedWhenItFits) {
  PolicyDecision d = decide(SigningPolicy::kPreferSigned, 1900, 1400, 2000);
  EXPECT_EQ(d.delivery, Delivery::kSigned);
  EXPECT_EQ(d.reason, "signed profile (1900) fits the limit of 2000");
}

TEST(SigningPolicy, UnsignedWhenOnlyUnsignedFits) {
  PolicyDecision d = decide(SigningPolicy::kPreferSigned, 2400, 1400, 2000);
  EXPECT_EQ(d.delivery, Delivery::kUnsigned);
  EXPECT_EQ(d.reason,
            "signed profile (2400) exceeds the limit of 2000; unsigned profile (1400) fits the "
            "limit of 2000, sent unsigned (an MDM-installed profile is still non-removable)");
}

TEST(SigningPolicy, SplitWhenNeitherFits) {
  PolicyDecision d = decide(SigningPolicy::kPreferSigned, 3000, 2500, 2000);
  EXPECT_EQ(d.delivery, Delivery::kSplit);
  EXPECT_NE(d.reason.find("split (or route local)"), std::string::npos);
}

TEST(SigningPolicy, NoIdentityMeansUnsigned) {
  PolicyDecision d = decide(SigningPolicy::kPreferSigned, std::nullopt, 1400, 2000);
  EXPECT_EQ(d.delivery, Delivery::kUnsigned);
  EXPECT_EQ(d.reason, "no signing identity; unsigned profile (1400) fits the limit of 2000");
}

TEST(SigningPolicy, NoLimitAlwaysFits) {
  EXPECT_EQ(decide(SigningPolicy::kPreferSigned, 900000, 800000, std::nullopt).delivery,
            Delivery::kSigned);
}

TEST(SigningPolicy, RequireSignedSplitsRatherThanDropTheSignature) {
  PolicyDecision d = decide(SigningPolicy::kRequireSigned, 2400, 1400, 2000);
  EXPECT_EQ(d.delivery, Delivery::kSplit);
  EXPECT_NE(d.reason.find("keeps the signature"), std::string::npos);
}

TEST(SigningPolicy, RequireSignedWithoutAnIdentityIsRefused) {
  PolicyDecision d = decide(SigningPolicy::kRequireSigned, std::nullopt, 1400, 2000);
  EXPECT_EQ(d.delivery, Delivery::kRefused);
  EXPECT_EQ(d.reason, "policy 'require-signed' needs a signing identity, and none is configured");
}

TEST(SigningPolicy, UnsignedPolicyNeverMeasuresTheSignedForm) {
  int signed_measures = 0;
  PolicyDecision d = decide(
      SigningPolicy::kUnsigned,
      [&](bool is_signed) -> std::optional<std::size_t> {
        if (is_signed) ++signed_measures;
        return is_signed ? 1000 : 800;
      },
      2000);
  EXPECT_EQ(d.delivery, Delivery::kUnsigned);
  EXPECT_EQ(signed_measures, 0);
}

TEST(SigningPolicy, FittingSignedProfileNeverMeasuresTheUnsignedForm) {
  int unsigned_measures = 0;
  decide(
      SigningPolicy::kPreferSigned,
      [&](bool is_signed) -> std::optional<std::size_t> {
        if (!is_signed) ++unsigned_measures;
        return 100;
      },
      2000);
  EXPECT_EQ(unsigned_measures, 0);
}

TEST(SigningPolicy, DeliveryNames) {
  EXPECT_EQ(delivery_name(Delivery::kSplit), "split");
  EXPECT_EQ(delivery_name(Delivery::kRefused), "refused");
}

}  // namespace
}  // namespace cmdm::pipeline
