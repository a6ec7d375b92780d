#include "plist/base64.h"

#include <gtest/gtest.h>

namespace cmdm::plist {
namespace {

TEST(Base64, EncodesWithPaddingAndNoLineBreaks) {
  EXPECT_EQ(base64_encode(std::string_view("")), "");
  EXPECT_EQ(base64_encode(std::string_view("f")), "Zg==");
  EXPECT_EQ(base64_encode(std::string_view("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(std::string(100, 'x')).find('\n'), std::string::npos);
}

TEST(Base64, DecodesAcrossWhitespace) {
  auto out = base64_decode("\n\tZm9v\n  YmFy\n");
  ASSERT_TRUE(out);
  EXPECT_EQ(std::string(out->begin(), out->end()), "foobar");
}

TEST(Base64, RejectsBadCharacterWithItsOffset) {
  Base64Error error;
  EXPECT_FALSE(base64_decode("Zm9v*mFy", &error));
  EXPECT_EQ(error.offset, 4u);
  EXPECT_EQ(error.message, "invalid character in base64 data");
}

TEST(Base64, RejectsDataAfterPaddingAndLoneCharacter) {
  EXPECT_FALSE(base64_decode("Zg==Zg"));
  EXPECT_FALSE(base64_decode("Zm9vY"));
  EXPECT_FALSE(base64_decode("=Zg"));
}

}  // namespace
}  // namespace cmdm::plist
