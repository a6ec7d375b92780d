// Verification: tampering is caught and named, trust anchors are honoured, and the 63 signed
// profiles of the shared corpus (ECDSA P-256, Let's Encrypt chain) verify and fail when changed.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "signer/signer.h"
#include "tests/signer/test_pki.h"

namespace cmdm::signer {
namespace {

using namespace testing;

#define REQUIRE_PKI() \
  if (pki().dir.empty()) GTEST_SKIP() << "the openssl command is not installed"

// Flips one byte of the attached content (found by searching for a known string).
std::string flip_content_byte(std::string cms, const std::string& needle) {
  const std::size_t at = cms.find(needle);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) cms[at] ^= 0x01;
  return cms;
}

TEST(Verify, ChangedContentByteIsADigestMismatch) {
  REQUIRE_PKI();
  Result<std::string> cms = sign(sample_profile(), load_leaf("p256"));
  ASSERT_TRUE(cms.ok());
  Result<VerifyReport> report = verify(flip_content_byte(*cms, "AirDrop"), {{}, {}, "x.p7m"});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ExitCode::kCheckFailed);
  EXPECT_EQ(report.error().format(),
            "x.p7m: error: content digest mismatch: the content was changed after signing\n");
}

TEST(Verify, ChangedContentWithoutAttributesIsAnInvalidSignature) {
  REQUIRE_PKI();
  SignOptions o;
  o.signed_attributes = false;
  Result<std::string> cms = sign(sample_profile(), load_leaf("rsa2048"), o);
  ASSERT_TRUE(cms.ok());
  Result<VerifyReport> report = verify(flip_content_byte(*cms, "AirDrop"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ExitCode::kCheckFailed);
  EXPECT_NE(report.error().format().find("signature is invalid"), std::string::npos);
}

TEST(Verify, ChangedSignatureByteFails) {
  REQUIRE_PKI();
  Result<std::string> cms = sign(sample_profile(), load_leaf("rsa2048"));
  ASSERT_TRUE(cms.ok());
  std::string bad = *cms;
  bad[bad.size() - 10] ^= 0x40;  // the signature value is the last field
  Result<VerifyReport> report = verify(bad);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ExitCode::kCheckFailed);
}

TEST(Verify, AnotherRootIsNotTrusted) {
  REQUIRE_PKI();
  Result<std::string> cms = sign(sample_profile(), load_leaf("p256"));
  ASSERT_TRUE(cms.ok());
  VerifyOptions o;
  o.trust_anchors.push_back(read_bytes(pki().path("p384.pem")));  // not a CA of ours
  Result<VerifyReport> report = verify(*cms, o);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().format().find("not trusted"), std::string::npos)
      << report.error().format();
}

TEST(Verify, ExpiryAtAGivenTimeIsAWarningWithoutAnchors) {
  REQUIRE_PKI();
  Result<std::string> cms = sign(sample_profile(), load_leaf("p256"));
  ASSERT_TRUE(cms.ok());
  VerifyOptions o;
  o.at_time = 4102444800;  // 2100: after the test certificates expire
  Result<VerifyReport> report = verify(*cms, o);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_NE(report->warnings[0].message.find("is valid only from"), std::string::npos);
}

// The shared corpus: 63 pairs signed__X / profiles__X.
std::vector<std::string> signed_corpus_files(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind("signed__", 0) == 0) names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

#define REQUIRE_CORPUS(dir)                                                     \
  const std::string shared = shared_dir();                                      \
  if (shared.empty()) GTEST_SKIP() << "shared corpus absent (set CMDM_SHARED)"; \
  const std::string dir = shared + "/corpus/dev/paulmillr__encrypted-dns";

TEST(Corpus, UnwrapGivesEachUnsignedTwinByteForByte) {
  REQUIRE_CORPUS(dir);
  const std::vector<std::string> files = signed_corpus_files(dir);
  ASSERT_EQ(files.size(), 63u);
  for (const std::string& name : files) {
    const std::string twin = "profiles__" + name.substr(8);
    Result<Unwrapped> u = unwrap(read_bytes(dir + "/" + name), name);
    ASSERT_TRUE(u.ok()) << u.error().format();
    EXPECT_EQ(u->content, read_bytes(dir + "/" + twin)) << name;
    EXPECT_EQ(u->signer, "CN=encrypted-dns.brunch.io") << name;
    ASSERT_FALSE(u->warnings.empty());
    EXPECT_NE(u->warnings.back().message.find("is dropped"), std::string::npos);
  }
}

TEST(Corpus, EverySignedProfileVerifiesWithItsEmbeddedChain) {
  REQUIRE_CORPUS(dir);
  for (const std::string& name : signed_corpus_files(dir)) {
    Result<VerifyReport> report = verify(read_bytes(dir + "/" + name), {{}, {}, name});
    ASSERT_TRUE(report.ok()) << report.error().format();
    EXPECT_EQ(report->trust, Trust::kNotChecked);
    EXPECT_EQ(report->signers[0].certificate.key, "EC P-256") << name;
    ASSERT_EQ(report->certificates.size(), 2u);
    EXPECT_EQ(report->certificates[1].subject, "CN=E8,O=Let's Encrypt,C=US");
  }
}

TEST(Corpus, ChainsUpToIsrgRootX1WhenTheSystemHasIt) {
  REQUIRE_CORPUS(dir);
  const std::string root = read_bytes("/etc/ssl/certs/ISRG_Root_X1.pem");
  if (root.empty()) GTEST_SKIP() << "ISRG Root X1 is not in /etc/ssl/certs";
  VerifyOptions o;
  o.trust_anchors.push_back(root);
  o.at_time = 1775001600;  // 2026-04-01, inside the leaf certificates' validity
  for (const std::string& name : signed_corpus_files(dir)) {
    o.file_name = name;
    Result<VerifyReport> report = verify(read_bytes(dir + "/" + name), o);
    ASSERT_TRUE(report.ok()) << report.error().format();
    EXPECT_EQ(report->trust, Trust::kTrusted);
  }
}

TEST(Corpus, OneChangedContentByteFailsEveryFile) {
  REQUIRE_CORPUS(dir);
  for (const std::string& name : signed_corpus_files(dir)) {
    std::string cms = read_bytes(dir + "/" + name);
    const std::size_t at = cms.find("PayloadIdentifier");
    ASSERT_NE(at, std::string::npos);
    cms[at] = 'Q';
    Result<VerifyReport> report = verify(cms, {{}, {}, name});
    ASSERT_FALSE(report.ok()) << name;
    EXPECT_EQ(report.error().code, ExitCode::kCheckFailed);
    EXPECT_NE(report.error().format().find("content digest mismatch"), std::string::npos);
  }
}

}  // namespace
}  // namespace cmdm::signer
