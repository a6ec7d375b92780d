// Identity: v5 UUIDs (known answers), filling missing keys, keeping existing UUIDs,
// --stable-uuids, and derived payload identifiers.
#include <gtest/gtest.h>

#include "compiler/compiler.h"

namespace cmdm::compiler {
namespace {

constexpr std::array<std::uint8_t, 16> kDnsNamespace = {
    0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

TEST(Uuid, Version5MatchesRfc4122KnownAnswer) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
  EXPECT_EQ(uuid_v5(kDnsNamespace, "python.org"), "886313E1-3B8A-5372-9B90-0C9AEE199E5D");
}

TEST(Uuid, PayloadNamespaceIsTheDocumentedOne) {
  EXPECT_EQ(uuid_v5(kDnsNamespace, "cmdm.compiler.payload-uuid"),
            "B0A613AA-5387-58FF-B830-776FC7FA1976");
  std::array<std::uint8_t, 16> ns = payload_uuid_namespace();
  EXPECT_EQ(ns[0], 0xB0);
  EXPECT_EQ(ns[15], 0x76);
}

plist::Value payload(const char* type) {
  plist::Dict d;
  d.set("PayloadType", plist::Value(type));
  d.set("tilesize", plist::Value(48));
  return plist::Value(std::move(d));
}

plist::Value profile(plist::Array payloads) {
  plist::Dict d;
  d.set("PayloadIdentifier", plist::Value("com.example.dock"));
  d.set("PayloadContent", plist::Value(std::move(payloads)));
  return plist::Value(std::move(d));
}

TEST(Identity, FillsWhatIsMissing) {
  plist::Value p = profile({payload("com.apple.dock")});
  ASSERT_TRUE(fill_identity(p, false).ok());
  EXPECT_EQ(*p.get_string("PayloadType"), "Configuration");
  EXPECT_EQ(*p.get("PayloadVersion"), plist::Value(1));
  const plist::Value& inner = p.get("PayloadContent")->as_array()[0];
  EXPECT_EQ(*inner.get_string("PayloadIdentifier"), "com.example.dock.com.apple.dock");
  EXPECT_EQ(*inner.get("PayloadVersion"), plist::Value(1));
  EXPECT_EQ(*inner.get_string("PayloadUUID"),
            stable_payload_uuid("com.example.dock.com.apple.dock", inner));
  EXPECT_EQ(inner.get_string("PayloadUUID")->size(), 36u);
  EXPECT_EQ(*p.get_string("PayloadUUID"), stable_payload_uuid("com.example.dock", p));
}

TEST(Identity, UuidDependsOnContentButNotOnKeyOrder) {
  plist::Value a = profile({payload("com.apple.dock")});
  plist::Value b = a;
  ASSERT_TRUE(fill_identity(a, false).ok());
  ASSERT_TRUE(fill_identity(b, false).ok());
  EXPECT_EQ(*a.get_string("PayloadUUID"), *b.get_string("PayloadUUID"));
  plist::Value c = profile({payload("com.apple.dock")});
  c.get("PayloadContent")->as_array()[0].as_dict().set("tilesize", plist::Value(64));
  ASSERT_TRUE(fill_identity(c, false).ok());
  EXPECT_NE(*a.get("PayloadContent")->as_array()[0].get_string("PayloadUUID"),
            *c.get("PayloadContent")->as_array()[0].get_string("PayloadUUID"));
}

TEST(Identity, KeepsExistingUuidsUnlessAskedToRegenerate) {
  plist::Value p = profile({payload("com.apple.dock")});
  p.as_dict().set("PayloadUUID", plist::Value("11111111-1111-1111-1111-111111111111"));
  p.get("PayloadContent")
      ->as_array()[0]
      .as_dict()
      .set("PayloadUUID", plist::Value("22222222-2222-2222-2222-222222222222"));
  plist::Value kept = p;
  ASSERT_TRUE(fill_identity(kept, false).ok());
  EXPECT_EQ(*kept.get_string("PayloadUUID"), "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ(*kept.get("PayloadContent")->as_array()[0].get_string("PayloadUUID"),
            "22222222-2222-2222-2222-222222222222");
  plist::Value stable = p;
  ASSERT_TRUE(fill_identity(stable, true).ok());
  EXPECT_NE(*stable.get_string("PayloadUUID"), "11111111-1111-1111-1111-111111111111");
  plist::Value again = p;
  ASSERT_TRUE(fill_identity(again, true).ok());
  EXPECT_EQ(stable, again);
}

TEST(Identity, DerivedIdentifiersNumberRepeatsOfAType) {
  plist::Value p =
      profile({payload("com.apple.dock"), payload("com.apple.dock"), payload("com.apple.finder")});
  ASSERT_TRUE(fill_identity(p, false).ok());
  const plist::Array& a = p.get("PayloadContent")->as_array();
  EXPECT_EQ(*a[0].get_string("PayloadIdentifier"), "com.example.dock.com.apple.dock");
  EXPECT_EQ(*a[1].get_string("PayloadIdentifier"), "com.example.dock.com.apple.dock.2");
  EXPECT_EQ(*a[2].get_string("PayloadIdentifier"), "com.example.dock.com.apple.finder");
  EXPECT_NE(*a[0].get_string("PayloadUUID"), *a[1].get_string("PayloadUUID"));
}

TEST(Identity, NeedsAProfileIdentifier) {
  plist::Value p = profile({});
  p.as_dict().erase("PayloadIdentifier");
  Status s = fill_identity(p, false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().format().find("has no PayloadIdentifier"), std::string::npos);
}

}  // namespace
}  // namespace cmdm::compiler
