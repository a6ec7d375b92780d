#include "plist/calendar.h"

#include <gtest/gtest.h>

#include <ctime>

namespace cmdm::plist {
namespace {

TEST(Calendar, KnownDates) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(unix_seconds_of(2001, 1, 1, 0, 0, 0), 978307200);  // CoreFoundation's reference date
  EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);  // 2000 is leap
  EXPECT_EQ(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28), 1);  // 1900 is not
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_utc(unix_seconds_of(9999, 12, 31, 23, 59, 59)), "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_utc(unix_seconds_of(1, 1, 1, 0, 0, 0)), "0001-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(unix_seconds_of(2024, 2, 29, 12, 34, 56)), "2024-02-29T12:34:56Z");
}

TEST(Calendar, DaysRoundTripOverTenThousandYears) {
  std::int64_t expected = days_from_civil(1, 1, 1);
  for (std::int64_t days = expected; days < days_from_civil(10000, 1, 1); days += 1) {
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    ASSERT_EQ(days_from_civil(y, m, d), days) << y << "-" << m << "-" << d;
  }
}

// The C library agrees wherever both are defined (timegm is in glibc and macOS's libc).
TEST(Calendar, AgreesWithTheCLibraryOnUnixTimes) {
  for (std::int64_t t = 0; t < 4102444800; t += 86400 * 7 + 3671) {  // to 2100, odd steps
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ASSERT_NE(::gmtime_r(&tt, &tm), nullptr);
    EXPECT_EQ(unix_seconds_of(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                              static_cast<unsigned>(tm.tm_mday), static_cast<unsigned>(tm.tm_hour),
                              static_cast<unsigned>(tm.tm_min), static_cast<unsigned>(tm.tm_sec)),
              t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    EXPECT_EQ(format_utc(t), buf);
  }
}

}  // namespace
}  // namespace cmdm::plist
