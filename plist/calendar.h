// UTC calendar arithmetic for plist dates, certificate times and template date functions, without
// timegm()/gmtime_r(): those depend on the C library and the time zone, and some platforms get
// years outside 1970..2038 wrong.
#pragma once

#include <cstdint>
#include <string>

namespace cmdm::plist {

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12, day 1..31; not checked).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
// The date `days` after 1970-01-01 (negative: before).
void civil_from_days(std::int64_t days, std::int64_t* year, unsigned* month, unsigned* day);
// Seconds since the Unix epoch of a UTC date and time.
std::int64_t unix_seconds_of(std::int64_t year, unsigned month, unsigned day, unsigned hour,
                             unsigned minute, unsigned second);
// "YYYY-MM-DDTHH:MM:SSZ", the form plists and cmdm's reports use.
std::string format_utc(std::int64_t unix_seconds);

}  // namespace cmdm::plist
