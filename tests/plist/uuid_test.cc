#include "plist/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace cmdm::plist {
namespace {

// RFC 4122 appendix C namespaces.
constexpr UuidBytes kDns = {0x6B, 0xA7, 0xB8, 0x10, 0x9D, 0xAD, 0x11, 0xD1,
                            0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8};
constexpr UuidBytes kUrl = {0x6B, 0xA7, 0xB8, 0x11, 0x9D, 0xAD, 0x11, 0xD1,
                            0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8};
constexpr UuidBytes kOid = {0x6B, 0xA7, 0xB8, 0x12, 0x9D, 0xAD, 0x11, 0xD1,
                            0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8};

// Expected values from Python: str(uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")).upper(), ...
TEST(Uuid, Version5MatchesPythonUuid5) {
  EXPECT_EQ(format_uuid(uuid_v5(kDns, "python.org")), "886313E1-3B8A-5372-9B90-0C9AEE199E5D");
  EXPECT_EQ(format_uuid(uuid_v5(kUrl, "https://www.example.com/")),
            "3D3ED9D2-AA3D-5FA6-90E8-ED662E90F559");
  EXPECT_EQ(format_uuid(uuid_v5(kDns, "")), "4EBD0208-8328-5D69-8C44-EC50939C0967");
}

TEST(Uuid, Version5HashesTheNameBytesIncludingNul) {
  EXPECT_EQ(format_uuid(uuid_v5(kOid, std::string_view("a\0b", 3))),
            "7B3B400F-4415-5958-A230-454632DF1C5D");
}

TEST(Uuid, Version4SetsVersionAndVariantAndKeepsTheRest) {
  UuidBytes ones;
  ones.fill(0xFF);
  EXPECT_EQ(format_uuid(uuid_v4(ones)), "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF");
  EXPECT_EQ(format_uuid(uuid_v4(UuidBytes{})), "00000000-0000-4000-8000-000000000000");
}

TEST(Uuid, RandomVersion4HasTheRfcBitsAndDiffers) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    Result<UuidBytes> u = random_uuid_v4();
    ASSERT_TRUE(u.ok()) << u.error().format();
    EXPECT_EQ((*u)[6] >> 4, 4);
    EXPECT_EQ((*u)[8] & 0xC0, 0x80);
    seen.insert(format_uuid(*u));
  }
  EXPECT_EQ(seen.size(), 64u);
}

TEST(Uuid, FormatsUpperCaseCanonicalText) {
  EXPECT_EQ(format_uuid(kDns), "6BA7B810-9DAD-11D1-80B4-00C04FD430C8");
}

}  // namespace
}  // namespace cmdm::plist
