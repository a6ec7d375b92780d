// Signing: every key type round-trips through verify, the size-shaping options do what they say,
// output is reproducible where the algorithm allows, and OpenSSL's and GnuTLS's command-line
// verifiers accept what we produce.
#include <gtest/gtest.h>

#include "signer/signer.h"
#include "tests/signer/test_pki.h"

namespace cmdm::signer {
namespace {

using namespace testing;

#define REQUIRE_PKI() \
  if (pki().dir.empty()) GTEST_SKIP() << "the openssl command is not installed"

std::string sign_ok(const std::string& content, const Identity& id, const SignOptions& o = {}) {
  Result<std::string> s = sign(content, id, o);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().format());
  return s.ok() ? *s : std::string();
}

class SignEveryKey : public ::testing::TestWithParam<const char*> {};

TEST_P(SignEveryKey, SignatureVerifiesAndCarriesTheContent) {
  REQUIRE_PKI();
  const std::string content = sample_profile();
  const std::string cms = sign_ok(content, load_leaf(GetParam()));
  ASSERT_TRUE(is_cms(cms));
  Result<VerifyReport> report = verify(cms);
  ASSERT_TRUE(report.ok()) << report.error().format();
  EXPECT_EQ(report->content_bytes, content.size());
  ASSERT_EQ(report->signers.size(), 1u);
  EXPECT_EQ(report->signers[0].certificate.subject,
            std::string("CN=cmdm ") + GetParam() + " signer");
  EXPECT_EQ(report->signers[0].digest_algorithm, "SHA256");
  EXPECT_TRUE(report->signers[0].signed_attributes);
  ASSERT_EQ(report->certificates.size(), 2u);  // leaf, then intermediate
  EXPECT_EQ(report->certificates[1].subject, "CN=cmdm Test CA");
  Result<Unwrapped> u = unwrap(cms);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->content, content);
}

TEST_P(SignEveryKey, TrustedWithTheRootAsAnchor) {
  REQUIRE_PKI();
  const std::string cms = sign_ok(sample_profile(), load_leaf(GetParam()));
  VerifyOptions o;
  o.trust_anchors.push_back(read_bytes(pki().root_pem));
  Result<VerifyReport> report = verify(cms, o);
  ASSERT_TRUE(report.ok()) << report.error().format();
  EXPECT_EQ(report->trust, Trust::kTrusted);
}

TEST_P(SignEveryKey, OpensslCmsVerifyAcceptsIt) {
  REQUIRE_PKI();
  const std::string f = scratch(std::string("ossl-") + GetParam() + ".p7m");
  write_bytes(f, sign_ok(sample_profile(), load_leaf(GetParam())));
  std::string out;
  const int rc = shell("openssl cms -verify -binary -inform DER -in " + f + " -CAfile " +
                           pki().root_pem + " -purpose any -out " + f + ".out",
                       &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(read_bytes(f + ".out"), sample_profile());
}

TEST_P(SignEveryKey, GnutlsCerttoolP7VerifyAcceptsIt) {
  REQUIRE_PKI();
  if (!have_command("certtool")) GTEST_SKIP() << "certtool (gnutls-bin) is not installed";
  for (bool attributes : {true, false}) {
    SignOptions o;
    o.signed_attributes = attributes;
    const std::string f = scratch(std::string("gnutls-") + GetParam() + ".p7m");
    write_bytes(f, sign_ok(sample_profile(), load_leaf(GetParam()), o));
    std::string out;
    const int rc = shell(
        "certtool --p7-verify --inder --infile " + f + " --load-ca-certificate " + pki().root_pem,
        &out);
    EXPECT_EQ(rc, 0) << "attributes=" << attributes << "\n" << out;
    EXPECT_NE(out.find("Signature status: ok"), std::string::npos) << out;
  }
}

INSTANTIATE_TEST_SUITE_P(Keys, SignEveryKey, ::testing::Values("rsa2048", "p256", "p384"));

TEST(Sign, WithoutAttributesIsSmallerAndStillVerifies) {
  REQUIRE_PKI();
  Identity id = load_leaf("p256");
  SignOptions bare;
  bare.signed_attributes = false;
  const std::string with = sign_ok(sample_profile(), id);
  const std::string without = sign_ok(sample_profile(), id, bare);
  EXPECT_LT(without.size() + 60, with.size());
  Result<VerifyReport> report = verify(without);
  ASSERT_TRUE(report.ok()) << report.error().format();
  EXPECT_FALSE(report->signers[0].signed_attributes);
  EXPECT_FALSE(report->signers[0].signing_time.has_value());
}

TEST(Sign, WithoutSigningTimeKeepsOnlyTheRequiredAttributes) {
  REQUIRE_PKI();
  for (const char* key : {"rsa2048", "p256"}) {
    Identity id = load_leaf(key);
    SignOptions o;
    o.signing_time = 1767225600;
    const std::string with_time = sign_ok(sample_profile(), id, o);
    o.signing_time_attribute = false;
    const std::string cms = sign_ok(sample_profile(), id, o);
    EXPECT_LE(cms.size() + 28, with_time.size());
    Result<VerifyReport> report = verify(cms);
    ASSERT_TRUE(report.ok()) << report.error().format();
    EXPECT_TRUE(report->signers[0].signed_attributes);
    EXPECT_FALSE(report->signers[0].signing_time.has_value());
    // Re-signed by hand: the independent verifiers must agree.
    const std::string f = scratch(std::string("notime-") + key + ".p7m");
    write_bytes(f, cms);
    std::string out;
    EXPECT_EQ(shell("openssl cms -verify -binary -inform DER -in " + f + " -CAfile " +
                        pki().root_pem + " -purpose any -out /dev/null",
                    &out),
              0)
        << out;
    if (have_command("certtool")) {
      EXPECT_EQ(shell("certtool --p7-verify --inder --infile " + f + " --load-ca-certificate " +
                          pki().root_pem,
                      &out),
                0)
          << out;
    }
    // Tampering is still caught.
    std::string bad = cms;
    bad[bad.find("AirDrop")] ^= 1;
    EXPECT_FALSE(verify(bad).ok());
  }
}

TEST(Sign, KeyIdSignerIdentifierIsSmallerAndVerifies) {
  REQUIRE_PKI();
  Identity id = load_leaf("rsa2048");  // RSA: signature length fixed, so sizes compare exactly
  SignOptions o;
  const std::string by_serial = sign_ok(sample_profile(), id, o);
  o.signer_id = SignOptions::SignerId::kKeyId;
  const std::string by_key = sign_ok(sample_profile(), id, o);
  // 22 bytes of key id instead of the issuer's name and the serial number.
  EXPECT_LT(by_key.size(), by_serial.size());
  Result<VerifyReport> report = verify(by_key);
  ASSERT_TRUE(report.ok()) << report.error().format();
  EXPECT_EQ(report->signers[0].certificate.subject, "CN=cmdm rsa2048 signer");
  const std::string f = scratch("keyid.p7m");
  write_bytes(f, by_key);
  std::string out;
  EXPECT_EQ(shell("openssl cms -verify -binary -inform DER -in " + f + " -CAfile " +
                      pki().root_pem + " -purpose any -out /dev/null",
                  &out),
            0)
      << out;
}

TEST(Sign, KeyIdNeedsASubjectKeyIdentifier) {
  REQUIRE_PKI();
  IdentitySource s;
  s.key = read_bytes(pki().path("p256.key"));
  s.cert = read_bytes(pki().path("p256-noski.pem"));
  Result<Identity> id = load_identity(s);
  ASSERT_TRUE(id.ok()) << id.error().format();
  SignOptions o;
  o.signer_id = SignOptions::SignerId::kKeyId;
  Result<std::string> cms = sign("x", *id, o);
  ASSERT_FALSE(cms.ok());
  EXPECT_NE(cms.error().format().find("no subjectKeyIdentifier"), std::string::npos);
}

TEST(Sign, NoChainSendsOnlyTheSignerCertificate) {
  REQUIRE_PKI();
  SignOptions o;
  o.include_chain = false;
  const std::string cms = sign_ok(sample_profile(), load_leaf("p256"), o);
  Result<VerifyReport> report = verify(cms);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->certificates.size(), 1u);
  EXPECT_EQ(report->certificates[0].subject, "CN=cmdm p256 signer");
  // Without the intermediate the chain cannot reach the root.
  VerifyOptions trust;
  trust.trust_anchors.push_back(read_bytes(pki().root_pem));
  Result<VerifyReport> untrusted = verify(cms, trust);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code, ExitCode::kCheckFailed);
  EXPECT_NE(untrusted.error().format().find("not trusted"), std::string::npos);
}

TEST(Sign, SigningTimeComesFromTheOption) {
  REQUIRE_PKI();
  SignOptions o;
  o.signing_time = 1767225600;  // 2026-01-01T00:00:00Z
  Result<VerifyReport> report = verify(sign_ok(sample_profile(), load_leaf("p256"), o));
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->signers[0].signing_time.has_value());
  EXPECT_EQ(*report->signers[0].signing_time, 1767225600);
  EXPECT_EQ(format_time(1767225600), "2026-01-01T00:00:00Z");
}

TEST(Sign, RsaOutputIsByteIdenticalForTheSameInputsAndTime) {
  REQUIRE_PKI();
  Identity id = load_leaf("rsa2048");
  SignOptions o;
  o.signing_time = 1767225600;
  EXPECT_EQ(sign_ok(sample_profile(), id, o), sign_ok(sample_profile(), id, o));
  o.signed_attributes = false;
  EXPECT_EQ(sign_ok(sample_profile(), id, o), sign_ok(sample_profile(), id, o));
}

TEST(Sign, EcdsaIsReproducibleOnlyWithDeterministicNonces) {
  REQUIRE_PKI();
  Identity id = load_leaf("p256");
  SignOptions o;
  o.signing_time = 1767225600;
  const std::string a = sign_ok(sample_profile(), id, o);
  const std::string b = sign_ok(sample_profile(), id, o);
  if (deterministic_ecdsa()) {
    EXPECT_EQ(a, b);
  } else {
    // OpenSSL before 3.2 draws a random nonce: same length class, different bytes, both valid.
    EXPECT_NE(a, b);
    EXPECT_TRUE(verify(a).ok());
    EXPECT_TRUE(verify(b).ok());
  }
}

TEST(Sign, Sha384DigestIsRecorded) {
  REQUIRE_PKI();
  SignOptions o;
  o.digest = "sha384";
  Result<VerifyReport> report = verify(sign_ok(sample_profile(), load_leaf("p384"), o));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->signers[0].digest_algorithm, "SHA384");
  EXPECT_EQ(report->signers[0].signature_algorithm, "ECDSA-SHA384");
}

TEST(Sign, UnknownDigestIsRejected) {
  REQUIRE_PKI();
  SignOptions o;
  o.digest = "md5";
  Result<std::string> s = sign(sample_profile(), load_leaf("p256"), o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().format().find("unsupported digest 'md5'"), std::string::npos);
}

TEST(Sign, UnloadedIdentityIsAnErrorNotACrash) {
  Result<std::string> s = sign("x", Identity());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ExitCode::kInternal);
}

}  // namespace
}  // namespace cmdm::signer
