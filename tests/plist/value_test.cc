#include "plist/value.h"

#include <gtest/gtest.h>

#include <cmath>

namespace cmdm::plist {
namespace {

TEST(Value, DictKeepsInsertionOrderAndReplacesInPlace) {
  Dict d;
  d.set("b", 1);
  d.set("a", 2);
  d.set("b", 3);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.entries()[0].key, "b");
  EXPECT_EQ(d.entries()[0].value.as_integer(), Integer(3));
  EXPECT_EQ(d.entries()[1].key, "a");
}

TEST(Value, EqualityIgnoresKeyOrderButNotTypes) {
  Dict a, b;
  a.set("x", "1");
  a.set("y", Array{Value(1), Value(true)});
  b.set("y", Array{Value(1), Value(true)});
  b.set("x", "1");
  EXPECT_EQ(Value(a), Value(b));
  b.set("x", 1);
  EXPECT_NE(Value(a), Value(b));
}

TEST(Value, IntegerCoversSignedAndUnsigned64BitRange) {
  Integer max_u = Integer::from_unsigned(UINT64_MAX);
  Integer min_s = Integer(INT64_MIN);
  EXPECT_TRUE(max_u.is_big_unsigned());
  EXPECT_FALSE(max_u.is_negative());
  EXPECT_TRUE(min_s.is_negative());
  EXPECT_EQ(max_u.to_string(), "18446744073709551615");
  EXPECT_EQ(min_s.to_string(), "-9223372036854775808");
  EXPECT_NE(max_u, Integer(-1));  // same bits, different values
  EXPECT_EQ(Integer::from_unsigned(5), Integer(5));
}

TEST(Value, DatesPrintAsIso8601) {
  EXPECT_EQ(Date::from_unix(0).to_iso8601(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Date{0}.to_iso8601(), "2001-01-01T00:00:00Z");
  EXPECT_EQ(Date::from_unix(1767225600).to_iso8601(), "2026-01-01T00:00:00Z");
  EXPECT_EQ(Date::from_unix(-62135596800).to_iso8601(), "0001-01-01T00:00:00Z");
}

TEST(Value, KeyPathJoinsKeysAndIndices) {
  KeyPath p = KeyPath().key("PayloadContent").index(2).key("PayloadUUID");
  EXPECT_EQ(p.str(), "PayloadContent[2].PayloadUUID");
}

TEST(Value, DigestIgnoresKeyOrderAndSeesTypes) {
  Dict a, b;
  a.set("k", "v");
  a.set("n", 1);
  b.set("n", 1);
  b.set("k", "v");
  EXPECT_EQ(digest_hex(Value(a)), digest_hex(Value(b)));
  EXPECT_NE(digest_hex(Value("1")), digest_hex(Value(1)));
  EXPECT_EQ(digest_hex(Value("")).size(), 64u);
}

TEST(Value, NanEqualsNanForRoundTripChecks) {
  EXPECT_EQ(Value(std::nan("")), Value(std::nan("")));
  EXPECT_NE(Value(1.0), Value(1.5));
}

}  // namespace
}  // namespace cmdm::plist
