// Measures what signing adds (signed minus unsigned bytes) for RSA-2048 and P-256, with and without
// signed attributes and the intermediate, and prints the table that docs/signing.md shows. Holds
// the size target: a P-256 signature without the chain (and without signed attributes) adds at
// most 650 bytes.
#include <gtest/gtest.h>

#include <cstdio>

#include "signer/signer.h"
#include "tests/signer/test_pki.h"

namespace cmdm::signer {
namespace {

using namespace testing;

TEST(SizeTable, P256WithoutChainOrAttributesAddsAtMost650Bytes) {
  if (pki().dir.empty()) GTEST_SKIP() << "the openssl command is not installed";
  const std::string profile = sample_profile();
  std::printf("\nprofile: testdata/signer/restrictions.mobileconfig, %zu bytes unsigned\n\n",
              profile.size());
  std::printf("| key | signed attributes | chain | signed bytes | added bytes |\n");
  std::printf("|---|---|---|---:|---:|\n");
  for (const char* key : {"rsa2048", "p256"}) {
    Identity id = load_leaf(key);
    for (bool attributes : {true, false}) {
      for (bool chain : {true, false}) {
        SignOptions o;
        o.signed_attributes = attributes;
        o.include_chain = chain;
        o.signing_time = 1767225600;
        Result<std::string> cms = sign(profile, id, o);
        ASSERT_TRUE(cms.ok());
        // ECDSA signatures vary by a byte or two (DER integers); report the largest of a few.
        std::size_t size = cms->size();
        for (int i = 0; i < 8; ++i) size = std::max(size, sign(profile, id, o)->size());
        const std::size_t added = size - profile.size();
        std::printf("| %s | %s | %s | %zu | %zu |\n",
                    std::string(key) == "p256" ? "P-256" : "RSA-2048", attributes ? "yes" : "no",
                    chain ? "intermediate" : "signer only", size, added);
        if (std::string(key) == "p256" && !chain && !attributes) {
          EXPECT_LE(added, 650u);
        }
      }
    }
  }
}

}  // namespace
}  // namespace cmdm::signer
