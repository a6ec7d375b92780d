// Measures what signing adds (signed minus unsigned bytes) for RSA-2048 and P-256, with and without
// signed attributes and the intermediate, and prints the table that docs/signing.md shows. Holds
// the size target: a P-256 signature without the chain adds at most 650 bytes (met without signed
// attributes; with them the certificate decides, see docs/signing.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "signer/signer.h"
#include "tests/signer/test_pki.h"

namespace cmdm::signer {
namespace {

using namespace testing;

struct Shape {
  const char* attributes;
  bool signed_attributes;
  bool signing_time;
  bool key_id;
};

TEST(SizeTable, P256WithoutChainAddsAtMost650Bytes) {
  if (pki().dir.empty()) GTEST_SKIP() << "the openssl command is not installed";
  const std::string profile = sample_profile();
  std::printf("\nprofile: testdata/signer/restrictions.mobileconfig, %zu bytes unsigned\n",
              profile.size());
  for (const char* key : {"rsa2048", "p256"}) {
    Identity id = load_leaf(key);
    std::printf("%s signer certificate: %zu bytes DER; intermediate: %zu bytes\n", key,
                id.certificate().der_bytes, id.chain().empty() ? 0 : id.chain()[0].der_bytes);
  }
  std::printf("\n| key | signed attributes | signer id | chain | added bytes |\n");
  std::printf("|---|---|---|---|---:|\n");
  const Shape shapes[] = {
      {"type, digest, time", true, true, false},
      {"type, digest", true, false, false},
      {"type, digest", true, false, true},
      {"none", false, false, false},
      {"none", false, false, true},
  };
  for (const char* key : {"rsa2048", "p256"}) {
    Identity id = load_leaf(key);
    for (const Shape& shape : shapes) {
      for (bool chain : {true, false}) {
        SignOptions o;
        o.signed_attributes = shape.signed_attributes;
        o.signing_time_attribute = shape.signing_time;
        o.signer_id =
            shape.key_id ? SignOptions::SignerId::kKeyId : SignOptions::SignerId::kIssuerAndSerial;
        o.include_chain = chain;
        o.signing_time = 1767225600;
        // ECDSA signatures vary by a byte or two (DER integers); report the largest of a few.
        std::size_t size = 0;
        for (int i = 0; i < 8; ++i) {
          Result<std::string> cms = sign(profile, id, o);
          ASSERT_TRUE(cms.ok()) << cms.error().format();
          size = std::max(size, cms->size());
        }
        const std::size_t added = size - profile.size();
        std::printf("| %s | %s | %s | %s | %zu |\n",
                    std::string(key) == "p256" ? "P-256" : "RSA-2048", shape.attributes,
                    shape.key_id ? "key id" : "issuer+serial",
                    chain ? "intermediate" : "signer only", added);
        if (std::string(key) == "p256" && !chain && !shape.signed_attributes) {
          EXPECT_LE(added, 650u);
        }
      }
    }
  }
}

}  // namespace
}  // namespace cmdm::signer
