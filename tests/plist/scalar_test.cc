// The one scalar grammar: every accepted spelling of integers, reals, booleans and dates, and
// every refusal with the offset of the byte that does not fit and the exact message.
#include "plist/scalar.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace cmdm::plist {
namespace {

// "offset: message" of a refusal, or "accepted" so a wrong acceptance shows in the comparison.
template <typename T>
std::string refusal(const Parsed<T>& parsed) {
  if (parsed) return "accepted";
  return std::to_string(parsed.error().offset) + ": " + parsed.error().message;
}

TEST(ScalarInteger, ReadsDecimalAndHexWithSignAndSurroundingWhitespace) {
  EXPECT_EQ(parse_integer("42").value(), Integer(42));
  EXPECT_EQ(parse_integer("-42").value(), Integer(-42));
  EXPECT_EQ(parse_integer("+42").value(), Integer(42));
  EXPECT_EQ(parse_integer("007").value(), Integer(7));
  EXPECT_EQ(parse_integer("0x2A").value(), Integer(42));
  EXPECT_EQ(parse_integer("0Xff").value(), Integer(255));
  EXPECT_EQ(parse_integer("-0x10").value(), Integer(-16));
  EXPECT_EQ(parse_integer(" \n\t42\r\n").value(), Integer(42));
}

TEST(ScalarInteger, CoversTheSignedAndUnsigned64BitRange) {
  EXPECT_EQ(parse_integer("-9223372036854775808").value(), Integer(INT64_MIN));
  EXPECT_EQ(parse_integer("18446744073709551615").value(), Integer::from_unsigned(UINT64_MAX));
  EXPECT_EQ(parse_integer("0xFFFFFFFFFFFFFFFF").value(), Integer::from_unsigned(UINT64_MAX));
  EXPECT_EQ(refusal(parse_integer("18446744073709551616")),
            "0: <integer> \"18446744073709551616\" is out of range (-9223372036854775808 to "
            "18446744073709551615)");
  EXPECT_EQ(refusal(parse_integer("  -9223372036854775809")),
            "2: <integer> \"-9223372036854775809\" is out of range (-9223372036854775808 to "
            "18446744073709551615)");
}

TEST(ScalarInteger, PointsAtTheFirstByteThatIsNotADigit) {
  const std::string expected =
      ": expected decimal digits or 0x and hex digits, with an optional sign";
  EXPECT_EQ(refusal(parse_integer("1.0")), "1: malformed <integer> \"1.0\"" + expected);
  EXPECT_EQ(refusal(parse_integer(" one")), "1: malformed <integer> \"one\"" + expected);
  EXPECT_EQ(refusal(parse_integer("0x")), "2: malformed <integer> \"0x\"" + expected);
  EXPECT_EQ(refusal(parse_integer("-")), "1: malformed <integer> \"-\"" + expected);
  EXPECT_EQ(refusal(parse_integer("12 3")), "2: malformed <integer> \"12 3\"" + expected);
  EXPECT_EQ(refusal(parse_integer("0x1G")), "3: malformed <integer> \"0x1G\"" + expected);
  EXPECT_EQ(refusal(parse_integer("1e3")), "1: malformed <integer> \"1e3\"" + expected);
  EXPECT_EQ(refusal(parse_integer("")), "0: empty <integer>: expected a number");
  EXPECT_EQ(refusal(parse_integer("  ")), "0: empty <integer>: expected a number");
}

TEST(ScalarReal, ReadsDecimalFormsAndTheSpecialWordsInAnyCase) {
  EXPECT_EQ(parse_real("1.5").value(), 1.5);
  EXPECT_EQ(parse_real("-2e10").value(), -2e10);
  EXPECT_EQ(parse_real("+.5").value(), 0.5);
  EXPECT_EQ(parse_real("5.").value(), 5.0);
  EXPECT_EQ(parse_real("7").value(), 7.0);
  EXPECT_EQ(parse_real("-2.5E-3").value(), -2.5e-3);
  EXPECT_EQ(parse_real(" 1.5\n").value(), 1.5);
  EXPECT_TRUE(std::isnan(parse_real("NaN").value()));
  EXPECT_EQ(parse_real("inf").value(), INFINITY);
  EXPECT_EQ(parse_real("-Infinity").value(), -INFINITY);
  EXPECT_TRUE(std::signbit(parse_real("-0").value()));
}

TEST(ScalarReal, OverflowIsInfinityAndUnderflowZero) {
  EXPECT_EQ(parse_real("1e400").value(), INFINITY);
  EXPECT_EQ(parse_real("-1e400").value(), -INFINITY);
  EXPECT_EQ(parse_real("1e-400").value(), 0.0);
}

TEST(ScalarReal, RefusesHexFloatsAndOtherSpellingsStrtodTakes) {
  const std::string expected = ": expected a decimal number (1.5, -2e10), nan or inf";
  EXPECT_EQ(refusal(parse_real("0x1p3")), "1: malformed <real> \"0x1p3\"" + expected);
  EXPECT_EQ(refusal(parse_real("1,5")), "1: malformed <real> \"1,5\"" + expected);
  EXPECT_EQ(refusal(parse_real(" -1e")), "4: malformed <real> \"-1e\"" + expected);
  EXPECT_EQ(refusal(parse_real(".")), "1: malformed <real> \".\"" + expected);
  EXPECT_EQ(refusal(parse_real("nan(1)")), "0: malformed <real> \"nan(1)\"" + expected);
  EXPECT_EQ(refusal(parse_real("infinit")), "0: malformed <real> \"infinit\"" + expected);
  EXPECT_EQ(refusal(parse_real("1.5f")), "3: malformed <real> \"1.5f\"" + expected);
  EXPECT_EQ(refusal(parse_real("")), "0: empty <real>: expected a number");
}

TEST(ScalarBoolean, ReadsExactlyTrueAndFalse) {
  EXPECT_TRUE(parse_boolean("true").value());
  EXPECT_FALSE(parse_boolean("false").value());
  EXPECT_EQ(refusal(parse_boolean("True")),
            "0: malformed boolean \"True\": expected true or false");
  EXPECT_EQ(refusal(parse_boolean("1")), "0: malformed boolean \"1\": expected true or false");
  EXPECT_EQ(refusal(parse_boolean(" true")),
            "0: malformed boolean \" true\": expected true or false");
}

TEST(ScalarDate, ReadsTheFullFormAndTheFormsCutShortAfterDayHourOrMinute) {
  EXPECT_EQ(parse_date("2001-01-01T00:00:00Z").value(), Date{0});
  EXPECT_EQ(parse_date("2026-01-01T00:00:00Z").value(), Date::from_unix(1767225600));
  EXPECT_EQ(parse_date("2024-02-29T23:59:59Z").value(), Date::from_unix(1709251199));
  EXPECT_EQ(parse_date("0001-01-01T00:00:00Z").value(), Date::from_unix(-62135596800));
  EXPECT_EQ(parse_date("9999-12-31T23:59:59Z").value(), Date::from_unix(253402300799));
  EXPECT_EQ(parse_date("2020-06-15Z").value(), Date::from_unix(1592179200));
  EXPECT_EQ(parse_date("2020-06-15T10Z").value(), Date::from_unix(1592179200 + 36000));
  EXPECT_EQ(parse_date("2020-06-15T10:30Z").value(), Date::from_unix(1592179200 + 37800));
}

TEST(ScalarDate, RefusesDatesThatDoNotExistAtTheFieldThatIsWrong) {
  EXPECT_EQ(refusal(parse_date("2026-02-31T00:00:00Z")),
            "8: <date> \"2026-02-31T00:00:00Z\" is not a valid date and time: day 31 is not 01 "
            "to 28 (February 2026)");
  EXPECT_EQ(refusal(parse_date("2024-02-30Z")),
            "8: <date> \"2024-02-30Z\" is not a valid date and time: day 30 is not 01 to 29 "
            "(February 2024)");
  EXPECT_EQ(refusal(parse_date("1900-02-29Z")),
            "8: <date> \"1900-02-29Z\" is not a valid date and time: day 29 is not 01 to 28 "
            "(February 1900)");
  EXPECT_TRUE(parse_date("2000-02-29Z").ok());
  EXPECT_EQ(refusal(parse_date("2026-04-00Z")),
            "8: <date> \"2026-04-00Z\" is not a valid date and time: day 00 is not 01 to 30 "
            "(April 2026)");
  EXPECT_EQ(refusal(parse_date("2026-13-01T00:00:00Z")),
            "5: <date> \"2026-13-01T00:00:00Z\" is not a valid date and time: month 13 is not "
            "01 to 12");
  EXPECT_EQ(refusal(parse_date("2026-01-01T24:00:00Z")),
            "11: <date> \"2026-01-01T24:00:00Z\" is not a valid date and time: hour 24 is not "
            "00 to 23");
  EXPECT_EQ(refusal(parse_date("2026-01-01T23:60Z")),
            "14: <date> \"2026-01-01T23:60Z\" is not a valid date and time: minute 60 is not 00 "
            "to 59");
  EXPECT_EQ(refusal(parse_date("2026-01-01T23:59:60Z")),
            "17: <date> \"2026-01-01T23:59:60Z\" is not a valid date and time: second 60 is not "
            "00 to 59");
  EXPECT_EQ(refusal(parse_date("0000-01-01Z")),
            "0: <date> \"0000-01-01Z\" is not a valid date and time: year 0000 does not exist "
            "(the first is 0001)");
}

TEST(ScalarDate, RefusesOtherLayoutsAtTheFirstByteThatDoesNotFit) {
  const std::string expected = ": expected YYYY-MM-DDTHH:MM:SSZ (UTC)";
  EXPECT_EQ(refusal(parse_date("2026-01-01 00:00:00")),
            "10: malformed <date> \"2026-01-01 00:00:00\"" + expected);
  EXPECT_EQ(refusal(parse_date("2026-01-01T00:00:00Zjunk")),
            "20: malformed <date> \"2026-01-01T00:00:00Zjunk\"" + expected);
  EXPECT_EQ(refusal(parse_date("2026-01Z")), "7: malformed <date> \"2026-01Z\"" + expected);
  EXPECT_EQ(refusal(parse_date("2026-1-01Z")), "6: malformed <date> \"2026-1-01Z\"" + expected);
  EXPECT_EQ(refusal(parse_date("2026-01-01T00:00:00")),
            "19: malformed <date> \"2026-01-01T00:00:00\"" + expected);
  EXPECT_EQ(refusal(parse_date("2026-01-01T00:00:00.5Z")),
            "19: malformed <date> \"2026-01-01T00:00:00.5Z\"" + expected);
  EXPECT_EQ(refusal(parse_date("2026-01-01T00:00:00+01:00")),
            "19: malformed <date> \"2026-01-01T00:00:00+01:00\"" + expected);
  EXPECT_EQ(refusal(parse_date(" 2026-01-01Z")), "0: malformed <date> \" 2026-01-01Z\"" + expected);
  EXPECT_EQ(refusal(parse_date("2026-01-01")), "10: malformed <date> \"2026-01-01\"" + expected);
  EXPECT_EQ(refusal(parse_date("")), "0: empty <date>" + expected);
}

TEST(ScalarDate, BareDayIsAcceptedOnlyWhenTheCallerAllowsIt) {
  EXPECT_EQ(parse_date("2026-04-01", DateForms::kPlistOrBareDay).value(),
            Date::from_unix(1775001600));
  EXPECT_EQ(parse_date("2026-04-01T12:00:00Z", DateForms::kPlistOrBareDay).value(),
            Date::from_unix(1775001600 + 43200));
  EXPECT_EQ(refusal(parse_date("2026-02-31", DateForms::kPlistOrBareDay)),
            "8: <date> \"2026-02-31\" is not a valid date and time: day 31 is not 01 to 28 "
            "(February 2026)");
  EXPECT_EQ(refusal(parse_date("2026-04-01T12:00:00", DateForms::kPlistOrBareDay)),
            "19: malformed <date> \"2026-04-01T12:00:00\": expected YYYY-MM-DDTHH:MM:SSZ (UTC)");
}

TEST(ScalarQuoteText, CutsLongTextOnACharacterBoundaryAndEscapesLineBreaks) {
  EXPECT_EQ(quote_text("a\nb\tc\r"), "\"a\\nb\\tc\\r\"");
  EXPECT_EQ(quote_text(std::string(39, 'x') + "\xC3\xA9z"), "\"" + std::string(39, 'x') + "...\"");
}

}  // namespace
}  // namespace cmdm::plist
