// The scalar grammar (plist/scalar.h): each function checks the text itself, byte by byte, so an
// error names the first byte that does not fit, and no C library routine's wider grammar
// (strtod's hex floats, sscanf's one-digit fields) leaks in.
#include "plist/scalar.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <system_error>

#include "plist/calendar.h"

namespace cmdm::plist {

namespace {

bool is_xml_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The text without surrounding XML whitespace; *lead is how much was cut from the front.
std::string_view trim(std::string_view s, std::size_t* lead) {
  std::size_t b = 0;
  while (b < s.size() && is_xml_space(s[b])) ++b;
  std::size_t e = s.size();
  while (e > b && is_xml_space(s[e - 1])) --e;
  *lead = b;
  return s.substr(b, e - b);
}

bool equals_lower(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

constexpr const char* kIntegerExpected =
    "expected decimal digits or 0x and hex digits, with an optional sign";
constexpr const char* kRealExpected = "expected a decimal number (1.5, -2e10), nan or inf";
constexpr const char* kDateExpected = "expected YYYY-MM-DDTHH:MM:SSZ (UTC)";

// The length of the decimal real at the start of `body` (digits, fraction, exponent), or where
// it stops fitting that grammar.
struct RealScan {
  std::size_t end = 0;
  bool ok = false;
};
RealScan scan_decimal_real(std::string_view body) {
  std::size_t i = 0;
  std::size_t digits = 0;
  while (i < body.size() && is_digit(body[i])) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && is_digit(body[i])) ++i, ++digits;
  }
  if (digits == 0) return {i, false};
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < body.size() && is_digit(body[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return {i, false};
  }
  return {i, i == body.size()};
}

// The fields of a date, each with the offset it starts at (for errors about its value).
struct DateFields {
  int value[6] = {0, 0, 0, 0, 0, 0};  // year, month, day, hour, minute, second
  std::size_t at[6] = {0, 0, 0, 0, 0, 0};
};

// Reads the date's layout; returns the offset of the first byte that does not fit, or npos.
std::size_t scan_date(std::string_view s, DateForms forms, DateFields* f) {
  std::size_t i = 0;
  auto number = [&](int field, std::size_t digits) {
    f->at[field] = i;
    int n = 0;
    for (std::size_t k = 0; k < digits; ++k, ++i) {
      if (i >= s.size() || !is_digit(s[i])) return false;
      n = n * 10 + (s[i] - '0');
    }
    f->value[field] = n;
    return true;
  };
  auto expect = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  if (!number(0, 4) || !expect('-') || !number(1, 2) || !expect('-') || !number(2, 2)) return i;
  if (forms == DateForms::kPlistOrBareDay && i == s.size()) return std::string_view::npos;
  if (expect('T')) {
    if (!number(3, 2)) return i;
    if (expect(':')) {
      if (!number(4, 2)) return i;
      if (expect(':') && !number(5, 2)) return i;
    }
  }
  if (!expect('Z')) return i;
  return i == s.size() ? std::string_view::npos : i;
}

constexpr const char* kMonthNames[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool date_exists(const DateFields& f) {
  const int* v = f.value;
  return v[0] >= 1 && v[1] >= 1 && v[1] <= 12 && v[2] >= 1 && v[2] <= days_in_month(v[0], v[1]) &&
         v[3] <= 23 && v[4] <= 59 && v[5] <= 59;
}

// Which field of a date that does not exist is wrong, and why (date_exists said it is).
ScalarError explain_invalid_date(const DateFields& f) {
  const int year = f.value[0], month = f.value[1], day = f.value[2];
  auto two = [](int v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (year < 1) return {f.at[0], "year 0000 does not exist (the first is 0001)"};
  if (month < 1 || month > 12) return {f.at[1], "month " + two(month) + " is not 01 to 12"};
  int days = days_in_month(year, month);
  if (day < 1 || day > days) {
    return {f.at[2], "day " + two(day) + " is not 01 to " + std::to_string(days) + " (" +
                         kMonthNames[month - 1] + " " + std::to_string(year) + ")"};
  }
  if (f.value[3] > 23) return {f.at[3], "hour " + two(f.value[3]) + " is not 00 to 23"};
  if (f.value[4] > 59) return {f.at[4], "minute " + two(f.value[4]) + " is not 00 to 59"};
  return {f.at[5], "second " + two(f.value[5]) + " is not 00 to 59"};
}

}  // namespace

Parsed<Integer> parse_integer(std::string_view text) {
  std::size_t lead = 0;
  std::string_view s = trim(text, &lead);
  if (s.empty()) return ScalarError{0, "empty <integer>: expected a number"};
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    ++i;
  }
  unsigned base = 10;
  if (s.size() - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    base = 16;
    i += 2;
  }
  const std::size_t first_digit = i;
  bool overflow = false;
  std::uint64_t magnitude = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    unsigned d;
    if (is_digit(c)) {
      d = static_cast<unsigned>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      break;
    }
    if (magnitude > (UINT64_MAX - d) / base) overflow = true;
    magnitude = magnitude * base + d;
  }
  if (i != s.size() || i == first_digit) {
    return ScalarError{lead + i, "malformed <integer> " + quote_text(s) + ": " + kIntegerExpected};
  }
  constexpr std::uint64_t kMinMagnitude = std::uint64_t{1} << 63;  // |INT64_MIN|
  if (overflow || (negative && magnitude > kMinMagnitude)) {
    return ScalarError{lead, "<integer> " + quote_text(s) +
                                 " is out of range (-9223372036854775808 to 18446744073709551615)"};
  }
  if (!negative) return Integer::from_unsigned(magnitude);
  return magnitude == kMinMagnitude ? Integer(INT64_MIN)
                                    : Integer(-static_cast<std::int64_t>(magnitude));
}

Parsed<double> parse_real(std::string_view text) {
  std::size_t lead = 0;
  std::string_view s = trim(text, &lead);
  if (s.empty()) return ScalarError{0, "empty <real>: expected a number"};
  std::string_view body = s;
  bool negative = false;
  if (body[0] == '-' || body[0] == '+') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  const std::size_t body_at = lead + (s.size() - body.size());
  if (equals_lower(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
  if (equals_lower(body, "inf") || equals_lower(body, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  RealScan scan = scan_decimal_real(body);
  if (!scan.ok) {
    return ScalarError{body_at + scan.end,
                       "malformed <real> " + quote_text(s) + ": " + kRealExpected};
  }
  // from_chars reads '-' but not '+', so parse the unsigned body and apply the sign.
  double v = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Overflow becomes infinity and underflow zero, as strtod (and plistlib's float()) give.
    v = std::strtod(std::string(body).c_str(), nullptr);
  } else if (ec != std::errc() || end != body.data() + body.size()) {
    return ScalarError{body_at, "malformed <real> " + quote_text(s) + ": " + kRealExpected};
  }
  return negative ? -v : v;
}

Parsed<bool> parse_boolean(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return ScalarError{0, "malformed boolean " + quote_text(text) + ": expected true or false"};
}

Parsed<Date> parse_date(std::string_view text, DateForms forms) {
  if (text.empty()) return ScalarError{0, std::string("empty <date>: ") + kDateExpected};
  DateFields f;
  std::size_t bad = scan_date(text, forms, &f);
  if (bad != std::string_view::npos) {
    return ScalarError{bad, "malformed <date> " + quote_text(text) + ": " + kDateExpected};
  }
  if (!date_exists(f)) {
    ScalarError invalid = explain_invalid_date(f);
    invalid.message =
        "<date> " + quote_text(text) + " is not a valid date and time: " + invalid.message;
    return invalid;
  }
  return Date::from_unix(
      unix_seconds_of(f.value[0], static_cast<unsigned>(f.value[1]),
                      static_cast<unsigned>(f.value[2]), static_cast<unsigned>(f.value[3]),
                      static_cast<unsigned>(f.value[4]), static_cast<unsigned>(f.value[5])));
}

std::string quote_text(std::string_view s) {
  constexpr std::size_t kMax = 40;
  bool cut = s.size() > kMax;
  if (cut) {
    std::size_t n = kMax;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  out += cut ? "...\"" : "\"";
  return out;
}

}  // namespace cmdm::plist
