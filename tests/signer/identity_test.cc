// Loading identities: PEM, DER, PKCS#12 (modern and legacy), encrypted keys, and the clear
// errors for wrong passwords and mismatched keys.
#include <gtest/gtest.h>

#include "signer/signer.h"
#include "tests/signer/test_pki.h"

namespace cmdm::signer {
namespace {

using namespace testing;

#define REQUIRE_PKI() \
  if (pki().dir.empty()) GTEST_SKIP() << "the openssl command is not installed"

TEST(LoadIdentity, PemKeyAndCertificateWithChain) {
  REQUIRE_PKI();
  Identity id = load_leaf("rsa2048");
  EXPECT_EQ(id.certificate().subject, "CN=cmdm rsa2048 signer");
  EXPECT_EQ(id.certificate().issuer, "CN=cmdm Test CA");
  EXPECT_EQ(id.certificate().key, "RSA-2048");
  ASSERT_EQ(id.chain().size(), 1u);
  EXPECT_EQ(id.chain()[0].subject, "CN=cmdm Test CA");
}

TEST(LoadIdentity, DescribesEcCurves) {
  REQUIRE_PKI();
  EXPECT_EQ(load_leaf("p256").certificate().key, "EC P-256");
  EXPECT_EQ(load_leaf("p384").certificate().key, "EC P-384");
}

TEST(LoadIdentity, DerKeyAndCertificate) {
  REQUIRE_PKI();
  IdentitySource s;
  s.key = read_bytes(pki().path("p256-key.der"));
  s.cert = read_bytes(pki().path("p256.der"));
  Result<Identity> id = load_identity(s);
  ASSERT_TRUE(id.ok()) << id.error().format();
  EXPECT_EQ(id->certificate().subject, "CN=cmdm p256 signer");
  EXPECT_TRUE(id->chain().empty());
}

TEST(LoadIdentity, RootsInTheChainAreDropped) {
  REQUIRE_PKI();
  IdentitySource s;
  s.key = read_bytes(pki().path("p256.key"));
  s.cert = read_bytes(pki().path("p256.pem"));
  s.chain = read_bytes(pki().intermediate_pem) + read_bytes(pki().root_pem);
  Result<Identity> id = load_identity(s);
  ASSERT_TRUE(id.ok()) << id.error().format();
  ASSERT_EQ(id->chain().size(), 1u);
  EXPECT_EQ(id->chain()[0].subject, "CN=cmdm Test CA");
}

TEST(LoadIdentity, Pkcs12WithPassword) {
  REQUIRE_PKI();
  IdentitySource s;
  s.pkcs12 = read_bytes(pki().path("p256.p12"));
  s.password = "s3cret";
  Result<Identity> id = load_identity(s);
  ASSERT_TRUE(id.ok()) << id.error().format();
  EXPECT_EQ(id->certificate().subject, "CN=cmdm p256 signer");
  ASSERT_EQ(id->chain().size(), 1u);
  EXPECT_TRUE(verify(*sign("hello", *id)).ok());
}

TEST(LoadIdentity, LegacyPkcs12AsKeychainExportsIt) {
  REQUIRE_PKI();
  IdentitySource s;
  s.pkcs12 = read_bytes(pki().path("rsa2048-legacy.p12"));
  if (s.pkcs12.empty()) GTEST_SKIP() << "openssl could not write a legacy PKCS#12";
  s.password = "s3cret";
  Result<Identity> id = load_identity(s);
  ASSERT_TRUE(id.ok()) << id.error().format();
  EXPECT_EQ(id->certificate().key, "RSA-2048");
}

TEST(LoadIdentity, WrongPkcs12PasswordSaysSo) {
  REQUIRE_PKI();
  IdentitySource s;
  s.pkcs12 = read_bytes(pki().path("p256.p12"));
  s.pkcs12_name = "id.p12";
  s.password = "nope";
  Result<Identity> id = load_identity(s);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, ExitCode::kDataError);
  EXPECT_EQ(id.error().format(),
            "id.p12: error: wrong password for the PKCS#12 file (MAC check failed)\n");
}

TEST(LoadIdentity, MissingPkcs12PasswordSaysHowToGiveOne) {
  REQUIRE_PKI();
  IdentitySource s;
  s.pkcs12 = read_bytes(pki().path("p256.p12"));
  Result<Identity> id = load_identity(s);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.error().format().find("needs a password"), std::string::npos);
}

TEST(LoadIdentity, EncryptedKeyNeedsItsPassword) {
  REQUIRE_PKI();
  IdentitySource s;
  s.key = read_bytes(pki().path("p256-encrypted.key"));
  s.cert = read_bytes(pki().path("p256.pem"));
  Result<Identity> missing = load_identity(s);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().format().find("encrypted and no password"), std::string::npos);
  s.password = "wrong";
  Result<Identity> wrong = load_identity(s);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().format().find("wrong password"), std::string::npos);
  s.password = "s3cret";
  EXPECT_TRUE(load_identity(s).ok());
}

TEST(LoadIdentity, KeyOfAnotherCertificateIsRejected) {
  REQUIRE_PKI();
  IdentitySource s;
  s.key = read_bytes(pki().path("p384.key"));
  s.cert = read_bytes(pki().path("p256.pem"));
  s.cert_name = "p256.pem";
  Result<Identity> id = load_identity(s);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().format(),
            "p256.pem: error: the private key does not belong to the certificate\n");
}

TEST(LoadIdentity, GarbageIsAClearError) {
  IdentitySource s;
  s.key = "not a key";
  s.key_name = "k.pem";
  s.cert = "not a cert";
  Result<Identity> id = load_identity(s);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().format(), "k.pem: error: not a PEM or DER private key\n");
  IdentitySource p12;
  p12.pkcs12 = "garbage";
  EXPECT_FALSE(load_identity(p12).ok());
  EXPECT_FALSE(load_identity(IdentitySource{}).ok());
}

}  // namespace
}  // namespace cmdm::signer
