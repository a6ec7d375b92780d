// The one grammar of scalar text in cmdm: <integer>, <real>, <date> and the boolean words. The
// XML reader, the template expander, JSON and YAML sources and command-line options all parse
// through these functions, so the same text is accepted, refused and explained the same way
// wherever it is written (docs/plist-reader.md lists the grammar).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "plist/value.h"

namespace cmdm::plist {

// Why a scalar's text does not parse: where (a byte offset into the text handed in) and what
// was expected. The message names the type and quotes the text, so a caller adds only the
// position (file:line:col, key path).
struct ScalarError {
  std::size_t offset = 0;
  std::string message;
};

// A parsed scalar or the reason it failed; callers must look, as with Result.
template <typename T>
class [[nodiscard]] Parsed {
 public:
  Parsed(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Parsed(ScalarError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const { return value(); }
  const ScalarError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ScalarError> v_;
};

// Integer: optional sign, then decimal digits or 0x / 0X and hex digits (as CoreFoundation reads
// <integer>), over -2^63 .. 2^64-1; XML whitespace around the number is allowed.
Parsed<Integer> parse_integer(std::string_view text);

// Real: decimal digits with an optional fraction and exponent (1, .5, 5., -2.5e-3), or nan, inf,
// infinity with an optional sign, in any case; XML whitespace around it is allowed. Overflow is
// ±inf and underflow 0, as strtod and plistlib give. Hex floats (0x1p3) are not plist reals.
Parsed<double> parse_real(std::string_view text);

// Boolean: the words plists spell booleans with, "true" and "false" (exactly, no whitespace).
Parsed<bool> parse_boolean(std::string_view text);

// Which date forms are accepted: plists always end a date in Z; a command-line option may also
// take a bare day ("2026-04-01", its midnight UTC).
enum class DateForms { kPlist, kPlistOrBareDay };

// Date: YYYY-MM-DDTHH:MM:SSZ in UTC. Like plistlib, the time may stop after the day, hour or
// minute (2026-01-01Z, 2026-01-01T10Z, 2026-01-01T10:30Z); nothing may follow the Z and no
// whitespace surrounds it. The date must exist (no 2026-02-31) and the year be 0001 or later.
Parsed<Date> parse_date(std::string_view text, DateForms forms = DateForms::kPlist);

// Text shown inside a message: quoted, cut at 40 bytes (on a character boundary), with line
// breaks and tabs escaped so the message stays on one line.
std::string quote_text(std::string_view text);

}  // namespace cmdm::plist
