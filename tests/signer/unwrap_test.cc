// Unwrapping and hostile input: BER as macOS writes it, and clear errors (never a crash) for
// truncated, corrupted, mistyped and absurdly long CMS.
#include <gtest/gtest.h>

#include "signer/signer.h"
#include "tests/signer/test_pki.h"

namespace cmdm::signer {
namespace {

using namespace testing;

#define REQUIRE_PKI() \
  if (pki().dir.empty()) GTEST_SKIP() << "the openssl command is not installed"

std::string signed_sample() {
  Result<std::string> cms = sign(sample_profile(), load_leaf("p256"));
  EXPECT_TRUE(cms.ok());
  return cms.ok() ? *cms : std::string();
}

std::string unwrap_error(const std::string& bytes) {
  Result<Unwrapped> u = unwrap(bytes, "in.mobileconfig");
  EXPECT_FALSE(u.ok());
  if (u.ok()) return "";
  EXPECT_EQ(u.error().code, ExitCode::kDataError);
  return u.error().format();
}

TEST(Unwrap, BerIndefiniteLengthAsSecurityCmsWritesIt) {
  REQUIRE_PKI();
  // -stream makes OpenSSL write indefinite lengths and a chunked (constructed) content string,
  // the shape `security cms -S` produces on macOS.
  const std::string in = scratch("ber-in.mobileconfig");
  const std::string out = scratch("ber.p7m");
  write_bytes(in, sample_profile());
  std::string log;
  ASSERT_EQ(
      shell("openssl cms -sign -binary -nodetach -stream -outform DER -in " + in + " -signer " +
                pki().path("p256.pem") + " -inkey " + pki().path("p256.key") + " -out " + out,
            &log),
      0)
      << log;
  const std::string ber = read_bytes(out);
  ASSERT_GE(ber.size(), 2u);
  ASSERT_EQ(static_cast<unsigned char>(ber[1]), 0x80) << "expected indefinite length";
  EXPECT_TRUE(is_cms(ber));
  Result<Unwrapped> u = unwrap(ber);
  ASSERT_TRUE(u.ok()) << u.error().format();
  EXPECT_EQ(u->content, sample_profile());
  EXPECT_TRUE(verify(ber).ok());
}

TEST(Unwrap, WarnsThatTheSignatureIsDropped) {
  REQUIRE_PKI();
  Result<Unwrapped> u = unwrap(signed_sample(), "a.mobileconfig");
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u->warnings.size(), 1u);
  EXPECT_EQ(u->warnings[0].format(),
            "a.mobileconfig: warning: the signature (by CN=cmdm p256 signer) is dropped; sign "
            "the result again to send it signed\n");
}

TEST(Unwrap, NamesTheSignerIdentifiedByKeyId) {
  REQUIRE_PKI();
  SignOptions o;
  o.signer_id = SignOptions::SignerId::kKeyId;
  Result<std::string> cms = sign(sample_profile(), load_leaf("p384"), o);
  ASSERT_TRUE(cms.ok());
  Result<Unwrapped> u = unwrap(*cms);
  ASSERT_TRUE(u.ok()) << u.error().format();
  EXPECT_EQ(u->signer, "CN=cmdm p384 signer");
  EXPECT_EQ(u->content, sample_profile());
}

TEST(Unwrap, WithoutCertificatesTheSignerIsUnknown) {
  REQUIRE_PKI();
  // -nocerts: a SignedData that names its signer but carries no certificate.
  const std::string in = scratch("nocerts-in.mobileconfig");
  const std::string out = scratch("nocerts.p7m");
  write_bytes(in, sample_profile());
  std::string log;
  ASSERT_EQ(
      shell("openssl cms -sign -binary -nodetach -nocerts -outform DER -in " + in + " -signer " +
                pki().path("p256.pem") + " -inkey " + pki().path("p256.key") + " -out " + out,
            &log),
      0)
      << log;
  Result<Unwrapped> u = unwrap(read_bytes(out));
  ASSERT_TRUE(u.ok()) << u.error().format();
  EXPECT_EQ(u->signer, "");
  EXPECT_NE(u->warnings.back().message.find("an unknown signer"), std::string::npos);
  Result<VerifyReport> v = verify(read_bytes(out));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().format().find("certificate is not included"), std::string::npos);
}

TEST(Unwrap, DetachedSignatureHasNoContent) {
  REQUIRE_PKI();
  const std::string in = scratch("detached-in.mobileconfig");
  const std::string out = scratch("detached.p7s");
  write_bytes(in, sample_profile());
  ASSERT_EQ(shell("openssl cms -sign -binary -outform DER -in " + in + " -signer " +
                  pki().path("p256.pem") + " -inkey " + pki().path("p256.key") + " -out " + out),
            0);
  Result<Unwrapped> u = unwrap(read_bytes(out), "d.p7s");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().format(),
            "d.p7s: error: detached signature: the signed content is not included\n");
  EXPECT_FALSE(verify(read_bytes(out)).ok());
}

TEST(IsCms, RecognisesSignedDataOnly) {
  REQUIRE_PKI();
  EXPECT_TRUE(is_cms(signed_sample()));
  EXPECT_FALSE(is_cms(sample_profile()));
  EXPECT_FALSE(is_cms(""));
  EXPECT_FALSE(is_cms("bplist00"));
  EXPECT_FALSE(is_cms(std::string("\x30\x03\x02\x01\x01", 5)));
}

TEST(Hostile, NotCmsAtAll) {
  EXPECT_EQ(unwrap_error("<?xml version=\"1.0\"?><plist/>"),
            "in.mobileconfig: error: not CMS signed data: this is an unsigned property list\n");
  EXPECT_EQ(
      unwrap_error("hello"),
      "in.mobileconfig: error: not CMS signed data (expected a DER/BER SEQUENCE at byte 0)\n");
  EXPECT_EQ(unwrap_error(""), "in.mobileconfig: error: empty input, not CMS\n");
}

TEST(Hostile, TruncatedAtEveryLengthIsAnError) {
  REQUIRE_PKI();
  const std::string cms = signed_sample();
  for (std::size_t n = 1; n < cms.size(); n += (n < 64 ? 1 : 37)) {
    Result<Unwrapped> u = unwrap(cms.substr(0, n));
    EXPECT_FALSE(u.ok()) << "accepted a prefix of " << n << " bytes";
    Result<VerifyReport> v = verify(cms.substr(0, n));
    EXPECT_FALSE(v.ok());
  }
  EXPECT_NE(unwrap_error(cms.substr(0, cms.size() / 2)).find("truncated or corrupt CMS"),
            std::string::npos);
}

TEST(Hostile, CorruptedSignedDataOid) {
  REQUIRE_PKI();
  std::string cms = signed_sample();
  // 1.2.840.113549.1.7.2 → 1.2.840.113549.1.7.99
  const std::string oid("\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02", 9);
  const std::size_t at = cms.find(oid);
  ASSERT_NE(at, std::string::npos);
  cms[at + 8] = 99;
  EXPECT_FALSE(is_cms(cms));
  EXPECT_EQ(unwrap_error(cms),
            "in.mobileconfig: error: CMS content type is 1.2.840.113549.1.7.99, not signedData\n");
}

TEST(Hostile, WrongContentType) {
  // ContentInfo { id-data, [0] OCTET STRING "hi" }: valid CMS, but not SignedData.
  const std::string data_ci(
      "\x30\x11\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\xa0\x04\x04\x02hi", 19);
  EXPECT_EQ(unwrap_error(data_ci),
            "in.mobileconfig: error: CMS content type is pkcs7-data, not signedData\n");
}

TEST(Hostile, SignedContentThatIsNotData) {
  REQUIRE_PKI();
  std::string cms = signed_sample();
  // The eContentType is the second id-data OID occurrence's... the first 1.2.840.113549.1.7.1.
  const std::string data_oid("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", 11);
  const std::size_t at = cms.find(data_oid);
  ASSERT_NE(at, std::string::npos);
  cms[at + 10] = 0x05;  // pkcs7-digestData
  const std::string error = unwrap_error(cms);
  EXPECT_NE(error.find("not id-data"), std::string::npos) << error;
}

TEST(Hostile, AbsurdLengths) {
  // An outer SEQUENCE that claims 4 GiB, and one whose length-of-length is too big.
  std::string huge("\x30\x84\xff\xff\xff\xff\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02", 17);
  EXPECT_NE(unwrap_error(huge).find("claims 4294967295 bytes"), std::string::npos);
  std::string eight("\x30\x88\x01\x02\x03\x04\x05\x06\x07\x08\x06\x09", 12);
  EXPECT_NE(unwrap_error(eight).find("not CMS signed data"), std::string::npos);
  // Inside a valid outer header: an inner OCTET STRING that claims far more than there is.
  std::string inner(
      "\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80\x30\x80\x02\x01"
      "\x01\x31\x00\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\xa0\x80\x04"
      "\x84\x7f\xff\xff\xff",
      44);
  EXPECT_NE(unwrap_error(inner).find("malformed CMS"), std::string::npos);
}

TEST(Hostile, RandomByteFlipsNeverCrash) {
  REQUIRE_PKI();
  const std::string cms = signed_sample();
  unsigned seed = 12345;
  for (int i = 0; i < 2000; ++i) {
    std::string bad = cms;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1103515245u + 12345u;
      bad[(seed >> 8) % bad.size()] = static_cast<char>(seed >> 24);
    }
    // Each result is a value or a data error with a message; a changed message never verifies
    // with content other than what was signed.
    Result<Unwrapped> u = unwrap(bad);
    if (!u) {
      EXPECT_EQ(u.error().code, ExitCode::kDataError);
      ASSERT_FALSE(u.error().diagnostics.empty());
      EXPECT_FALSE(u.error().diagnostics[0].message.empty());
    }
    Result<VerifyReport> v = verify(bad);
    if (v) {
      ASSERT_TRUE(u);
      EXPECT_EQ(u->content, sample_profile());
    } else {
      ASSERT_FALSE(v.error().diagnostics.empty());
      EXPECT_FALSE(v.error().diagnostics[0].message.empty());
    }
  }
}

TEST(Hostile, RandomByteFlipsInBerNeverCrash) {
  REQUIRE_PKI();
  const std::string in = scratch("ber-fuzz-in.mobileconfig");
  const std::string out = scratch("ber-fuzz.p7m");
  write_bytes(in, sample_profile());
  ASSERT_EQ(
      shell("openssl cms -sign -binary -nodetach -stream -outform DER -in " + in + " -signer " +
            pki().path("p256.pem") + " -inkey " + pki().path("p256.key") + " -out " + out),
      0);
  const std::string ber = read_bytes(out);
  ASSERT_FALSE(ber.empty());
  unsigned seed = 777;
  for (int i = 0; i < 2000; ++i) {
    std::string bad = ber;
    for (int k = 0; k < 2; ++k) {
      seed = seed * 1103515245u + 12345u;
      // Mostly hit the structure: 0x00 and 0x80 make end-of-contents and indefinite lengths.
      const char values[] = {'\x00', '\x80', '\x30', '\xa0', '\x24', '\x04'};
      bad[(seed >> 8) % bad.size()] = values[(seed >> 20) % sizeof values];
    }
    // Each result is a value or a data error with a message; a changed message never verifies
    // with content other than what was signed.
    Result<Unwrapped> u = unwrap(bad);
    if (!u) {
      EXPECT_EQ(u.error().code, ExitCode::kDataError);
      ASSERT_FALSE(u.error().diagnostics.empty());
      EXPECT_FALSE(u.error().diagnostics[0].message.empty());
    }
    Result<VerifyReport> v = verify(bad);
    if (v) {
      ASSERT_TRUE(u);
      EXPECT_EQ(u->content, sample_profile());
    } else {
      ASSERT_FALSE(v.error().diagnostics.empty());
      EXPECT_FALSE(v.error().diagnostics[0].message.empty());
    }
  }
}

TEST(Hostile, DeepIndefiniteNestingIsCapped) {
  // ContentInfo OID then [0] holding 10,000 nested indefinite-length SEQUENCEs.
  std::string cms("\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80", 15);
  for (int i = 0; i < 10000; ++i) cms += std::string("\x30\x80", 2);
  for (int i = 0; i < 10002; ++i) cms += std::string("\x00\x00", 2);
  EXPECT_NE(unwrap_error(cms).find("nested too deeply"), std::string::npos);
}

TEST(Hostile, OversizedInputIsRejectedBeforeParsing) {
  std::string big(kMaxInputBytes + 1, '\0');
  big[0] = 0x30;
  EXPECT_NE(unwrap_error(big).find("64 MiB"), std::string::npos);
}

}  // namespace
}  // namespace cmdm::signer
