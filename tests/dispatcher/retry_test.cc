#include <gtest/gtest.h>

#include "dispatcher/transport.h"

namespace cmdm::dispatcher {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr RetryPolicy kPolicy{
    .max_attempts = 10, .base_delay = milliseconds(500), .max_delay = milliseconds(30'000)};

TEST(BackoffDelay, DrawsFromZeroToADoublingCeiling) {
  EXPECT_EQ(backoff_delay(kPolicy, 1, 500), milliseconds(500));
  EXPECT_EQ(backoff_delay(kPolicy, 1, 501), milliseconds(0));
  EXPECT_EQ(backoff_delay(kPolicy, 2, 1000), milliseconds(1000));
  EXPECT_EQ(backoff_delay(kPolicy, 3, 2000), milliseconds(2000));
  EXPECT_EQ(backoff_delay(kPolicy, 3, 2001), milliseconds(0));
}

TEST(BackoffDelay, StopsGrowingAtTheMaximumDelay) {
  EXPECT_EQ(backoff_delay(kPolicy, 7, 30'000), milliseconds(30'000));
  EXPECT_EQ(backoff_delay(kPolicy, 1000, 30'000), milliseconds(30'000));
  EXPECT_LE(backoff_delay(kPolicy, 1000, UINT64_MAX), milliseconds(30'000));
}

TEST(RetryAfter, ReadsDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("120", 0), seconds(120));
  EXPECT_EQ(parse_retry_after(" 0 ", 0), seconds(0));
  EXPECT_EQ(parse_retry_after("99999999999999999999", 0), seconds(9'999'999'999));
}

TEST(RetryAfter, ReadsTheThreeHttpDateForms) {
  const std::int64_t at = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at - 10), seconds(10));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", at - 10), seconds(10));
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", at - 10), seconds(10));
}

TEST(RetryAfter, TreatsAPastDateAsNoWait) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 60), seconds(0));
}

TEST(RetryAfter, RefusesAnythingElse) {
  EXPECT_EQ(parse_retry_after("", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT trailing", 0), std::nullopt);
}

TEST(UrlForDisplay, DropsUserInformationQueryAndFragment) {
  EXPECT_EQ(url_for_display("https://user:pw@mdm.example.com:8443/api/v1?token=x#f"),
            "https://mdm.example.com:8443/api/v1");
  EXPECT_EQ(url_for_display("https://mdm.example.com/a@b"), "https://mdm.example.com/a@b");
}

TEST(HttpResponse, FindsAHeaderWhateverItsCase) {
  HttpResponse response{.headers = {{"Content-Type", "text/plain"}, {"retry-after", "5"}}};
  EXPECT_EQ(response.header("Retry-After"), "5");
  EXPECT_EQ(response.header("content-type"), "text/plain");
  EXPECT_EQ(response.header("X-Missing"), std::nullopt);
}

}  // namespace
}  // namespace cmdm::dispatcher
