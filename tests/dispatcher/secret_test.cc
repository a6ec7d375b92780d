#include "dispatcher/secret.h"

#include <gtest/gtest.h>

#include <sstream>

namespace cmdm::dispatcher {
namespace {

TEST(Secret, PrintsAsRedacted) {
  std::ostringstream out;
  out << Secret("hunter2");
  EXPECT_EQ(out.str(), "[redacted]");
  EXPECT_EQ(::testing::PrintToString(Secret("hunter2")).find("hunter2"), std::string::npos);
}

TEST(Secret, RevealsItsValueOnlyWhenAsked) {
  EXPECT_EQ(Secret("hunter2").reveal(), "hunter2");
  EXPECT_TRUE(Secret().empty());
}

TEST(Secret, RedactsEveryOccurrenceInAMessage) {
  EXPECT_EQ(redact("token abc and abcabc", Secret("abc")),
            "token [redacted] and [redacted][redacted]");
  EXPECT_EQ(redact("nothing here", Secret("abc")), "nothing here");
  EXPECT_EQ(redact("kept", Secret()), "kept");
  // A secret that occurs inside the replacement text must not loop forever.
  EXPECT_EQ(redact("r", Secret("r")), "[redacted]");
}

TEST(Secret, BuildsBasicAndBearerAuthorizationValues) {
  EXPECT_EQ(basic_authorization("admin", Secret("p@ss:word")).reveal(),
            "Basic YWRtaW46cEBzczp3b3Jk");
  EXPECT_EQ(bearer_authorization(Secret("t0k3n")).reveal(), "Bearer t0k3n");
}

}  // namespace
}  // namespace cmdm::dispatcher
