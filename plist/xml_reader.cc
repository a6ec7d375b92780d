// The XML plist reader. pugixml parses the markup in place; this file checks the result against the
// plist grammar and decodes text itself (entities, CDATA, line ends), so every error points at the
// exact bytes of the original input and every Value carries the offset of its element.
#include <pugixml.hpp>

#if defined(__SSE2__) && !defined(CMDM_NO_SIMD)
#include <emmintrin.h>
#endif

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "plist/base64.h"
#include "plist/reader.h"
#include "plist/scalar.h"
#include "plist/suggest.h"

namespace cmdm::plist {

namespace {

enum class Tag {
  kPlist,
  kDict,
  kArray,
  kKey,
  kString,
  kInteger,
  kReal,
  kTrue,
  kFalse,
  kDate,
  kData,
  kUnknown,
};

// pugixml parses a padded copy of the input in place: kPadding zero bytes follow the document, so
// scans over a name or a text inside the buffer may load whole 8- or 16-byte blocks that run up
// to 15 bytes past the string's terminating NUL.
constexpr std::size_t kPadding = 16;

// An element name as a little-endian word: its bytes, then zeros. Every plist element name fits
// with its NUL in eight bytes ("integer" is the longest).
constexpr std::uint64_t name_word(std::string_view name) {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    w |= std::uint64_t{static_cast<unsigned char>(name[i])} << (8 * i);
  }
  return w;
}

// Whether the NUL-terminated `name` equals `literal`, stopping at the first difference.
template <std::size_t N>
bool name_is(const char* name, const char (&literal)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    if (name[i] != literal[i]) return false;
  }
  return true;
}

// Which plist element a name (inside the padded parse buffer) is. classify runs for every
// element, so on little-endian targets it compares one word: the first eight bytes with those
// after the first NUL cleared (a name with no NUL there is longer than any plist element).
Tag classify(const char* name) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    std::uint64_t w;
    std::memcpy(&w, name, sizeof w);
    // The lowest bit set marks the first zero byte (the "has a zero byte" test is exact there).
    const std::uint64_t zero = (w - kOnes) & ~w & kHighs;
    w &= zero ^ (zero - 1);
    switch (w) {
      case name_word("dict"):
        return Tag::kDict;
      case name_word("key"):
        return Tag::kKey;
      case name_word("string"):
        return Tag::kString;
      case name_word("array"):
        return Tag::kArray;
      case name_word("integer"):
        return Tag::kInteger;
      case name_word("true"):
        return Tag::kTrue;
      case name_word("false"):
        return Tag::kFalse;
      case name_word("real"):
        return Tag::kReal;
      case name_word("date"):
        return Tag::kDate;
      case name_word("data"):
        return Tag::kData;
      case name_word("plist"):
        return Tag::kPlist;
      default:
        return Tag::kUnknown;
    }
  }
  switch (name[0]) {
    case 'a':
      if (name_is(name, "array")) return Tag::kArray;
      break;
    case 'd':
      if (name_is(name, "dict")) return Tag::kDict;
      if (name_is(name, "date")) return Tag::kDate;
      if (name_is(name, "data")) return Tag::kData;
      break;
    case 'f':
      if (name_is(name, "false")) return Tag::kFalse;
      break;
    case 'i':
      if (name_is(name, "integer")) return Tag::kInteger;
      break;
    case 'k':
      if (name_is(name, "key")) return Tag::kKey;
      break;
    case 'p':
      if (name_is(name, "plist")) return Tag::kPlist;
      break;
    case 'r':
      if (name_is(name, "real")) return Tag::kReal;
      break;
    case 's':
      if (name_is(name, "string")) return Tag::kString;
      break;
    case 't':
      if (name_is(name, "true")) return Tag::kTrue;
      break;
    default:
      break;
  }
  return Tag::kUnknown;
}

// Length of the text at p (inside the padded parse buffer) up to the first '&', CR or its NUL:
// the part append_pcdata copies as it is. 16 bytes a step with SSE2.
inline std::size_t plain_length(const char* p) {
#if defined(__SSE2__) && !defined(CMDM_NO_SIMD)
  // Each block starts at or before the NUL, so it ends inside the padding at the latest.
  for (const char* q = p;; q += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_setzero_si128()),
                               _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
    if (unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit))) {
      return static_cast<std::size_t>(q - p) + static_cast<std::size_t>(std::countr_zero(mask));
    }
  }
#else
  return std::strcspn(p, "&\r");
#endif
}

bool is_xml_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Offset of the first non-whitespace character, or npos when there is none.
std::size_t first_non_space(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_xml_space(s[i])) return i;
  }
  return std::string_view::npos;
}

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", c);
  return buf;
}

// ---- Whole-input checks: UTF-8 and the characters XML allows ----

struct BadInput {
  std::size_t offset;
  std::string message;
};

// Finds the first byte that is not well-formed UTF-8 (Unicode table 3-7) or is a control
// character XML 1.0 forbids. The byte loop runs over ASCII first, which is nearly all of a plist.
// 1 for the bytes that need a closer look: control characters other than tab, LF and CR, every
// non-ASCII byte, and '!' and '?', which may start a comment, CDATA or processing instruction.
constexpr std::array<std::uint8_t, 256> kSpecialByte = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x80 || c == '!' || c == '?';
  }
  return t;
}();

// Which of 32 bytes are special (as kSpecialByte says), one bit each. Every parsed byte passes
// through here, and compilers at -O2 leave the portable loop scalar (about three instructions a
// byte), so x86 gets an SSE2 version that does 16 bytes in a dozen instructions.
#if defined(__SSE2__) && !defined(CMDM_NO_SIMD)
inline __m128i special_in_16(__m128i v) {
  // Signed compare: non-ASCII bytes are negative, so "< 0x20" catches them with the controls.
  __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  __m128i space = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
      _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
  __m128i markup =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('!')), _mm_cmpeq_epi8(v, _mm_set1_epi8('?')));
  return _mm_or_si128(_mm_andnot_si128(space, low), markup);
}
inline std::uint32_t special_mask(const unsigned char* p) {
  __m128i a = special_in_16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  __m128i b = special_in_16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(a)) |
         (static_cast<std::uint32_t>(_mm_movemask_epi8(b)) << 16);
}
#else
inline std::uint32_t special_mask(const unsigned char* p) {
  std::uint32_t mask = 0;
  for (int k = 0; k < 32; ++k) mask |= std::uint32_t{kSpecialByte[p[k]]} << k;
  return mask;
}
#endif

// The offset of the first special byte at or after i, or n when there is none. Plain ASCII is
// skipped 32 bytes at a time and the mask points straight at the byte, so a block that holds
// the declaration or a few UTF-8 characters is not walked byte by byte.
inline std::size_t next_special(const unsigned char* p, std::size_t n, std::size_t i) {
  for (; i + 32 <= n; i += 32) {
    if (std::uint32_t mask = special_mask(p + i)) {
      return i + static_cast<std::size_t>(std::countr_zero(mask));
    }
  }
  if (i >= n) return n;
  if (n >= 32) {
    // The last partial block: look at the final 32 bytes and drop the ones before i.
    std::size_t base = n - 32;
    std::uint32_t mask = special_mask(p + base) >> (i - base);
    return mask ? i + static_cast<std::size_t>(std::countr_zero(mask)) : n;
  }
  while (i < n && !kSpecialByte[p[i]]) ++i;
  return i;
}

// What the character check saw of the markup, to pick pugixml's whitespace mode (below).
struct MarkupSeen {
  int processing_instructions = 0;  // "<?", the declaration included
  bool comment_or_cdata = false;    // "<!--" or "<![CDATA["
};

std::optional<BadInput> check_characters(std::string_view s, MarkupSeen* seen) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while ((i = next_special(p, n, i)) < n) {
    unsigned char c = p[i];
    if (c == '!' || c == '?') {
      if (i > 0 && p[i - 1] == '<') {
        if (c == '?') {
          ++seen->processing_instructions;
        } else if (s.substr(i + 1).starts_with("--") || s.substr(i + 1).starts_with("[CDATA[")) {
          seen->comment_or_cdata = true;
        }
      }
      ++i;
      continue;
    }
    if (c < 0x20) {
      if (c == 0) return BadInput{i, "NUL byte inside the document (allowed only after the end)"};
      char buf[96];
      std::snprintf(
          buf, sizeof buf,
          "control character U+%04X is not allowed in XML (binary content goes in <data>)", c);
      return BadInput{i, buf};
    }
    // Multi-byte sequence: the lead byte fixes the length and the range of the second byte.
    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else if (c >= 0x80 && c <= 0xBF) {
      return BadInput{i, "invalid UTF-8: unexpected continuation byte " + hex_byte(c)};
    } else {
      return BadInput{i, "invalid UTF-8: byte " + hex_byte(c) + " never occurs in UTF-8"};
    }
    for (int k = 1; k < len; ++k) {
      if (i + k >= n) return BadInput{i, "invalid UTF-8: the input ends inside a character"};
      unsigned char d = p[i + k];
      unsigned char min = k == 1 ? lo : 0x80;
      unsigned char max = k == 1 ? hi : 0xBF;
      if (d < min || d > max) {
        if (k == 1 && d >= 0x80 && d <= 0xBF) {
          const char* why = c == 0xED   ? "a UTF-16 surrogate"
                            : c == 0xF4 ? "a code point above U+10FFFF"
                                        : "an overlong encoding";
          return BadInput{i, std::string("invalid UTF-8: ") + why};
        }
        return BadInput{i, "invalid UTF-8: byte " + hex_byte(c) +
                               " must be followed by a continuation byte, not " + hex_byte(d)};
      }
    }
    i += static_cast<std::size_t>(len);
  }
  return std::nullopt;
}

// The echoed source line of an encoding error, with each byte that is not valid UTF-8 shown as
// '?' so the diagnostic itself stays valid text. Only bytes at or after the error can be
// invalid (it is the first), so the caret column is unchanged.
std::string printable_utf8(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  std::size_t i = 0;
  while (i < line.size()) {
    std::string_view rest = line.substr(i);
    std::size_t valid = rest.size();
    MarkupSeen unused;
    if (std::optional<BadInput> bad = check_characters(rest, &unused)) valid = bad->offset;
    out.append(rest.substr(0, valid));
    i += valid;
    if (i < line.size()) {
      out += '?';
      ++i;
    }
  }
  return out;
}

// ---- Markup errors ----

// Finds the element that an end tag fails to close (or that is never closed) by scanning the
// markup with a tag stack; pugixml reports only the place where it noticed.
struct OpenTag {
  std::string_view name;
  std::size_t offset = 0;
};
struct TagProblem {
  std::size_t offset = 0;  // where to point
  std::string message;
};

std::optional<TagProblem> find_tag_problem(std::string_view s, const SourceText& source) {
  auto is_name_end = [](char c) { return is_xml_space(c) || c == '>' || c == '/'; };
  auto where = [&](std::size_t offset) {
    SourceText::Position p = source.position(offset);
    return std::to_string(p.line) + ":" + std::to_string(p.column);
  };
  std::vector<OpenTag> stack;
  std::size_t i = 0;
  while (true) {
    i = s.find('<', i);
    if (i == std::string_view::npos) break;
    std::string_view rest = s.substr(i);
    std::size_t end;
    if (rest.starts_with("<!--")) {
      end = s.find("-->", i + 4);
      if (end == std::string_view::npos) return std::nullopt;
      i = end + 3;
    } else if (rest.starts_with("<![CDATA[")) {
      end = s.find("]]>", i + 9);
      if (end == std::string_view::npos) return std::nullopt;
      i = end + 3;
    } else if (rest.starts_with("<?")) {
      end = s.find("?>", i + 2);
      if (end == std::string_view::npos) return std::nullopt;
      i = end + 2;
    } else if (rest.starts_with("<!")) {
      // A DOCTYPE, possibly with an internal subset in brackets.
      int brackets = 0;
      std::size_t j = i + 2;
      for (; j < s.size(); ++j) {
        if (s[j] == '[') ++brackets;
        if (s[j] == ']') --brackets;
        if (s[j] == '>' && brackets <= 0) break;
      }
      i = j + 1;
    } else if (rest.starts_with("</")) {
      std::size_t j = i + 2;
      while (j < s.size() && !is_name_end(s[j])) ++j;
      std::string_view name = s.substr(i + 2, j - i - 2);
      if (stack.empty()) {
        return TagProblem{i, "malformed XML: </" + std::string(name) + "> closes no open element"};
      }
      if (stack.back().name != name) {
        const OpenTag& open = stack.back();
        return TagProblem{i, "malformed XML: found </" + std::string(name) + ">, expected </" +
                                 std::string(open.name) + "> to close <" + std::string(open.name) +
                                 "> at " + where(open.offset)};
      }
      stack.pop_back();
      end = s.find('>', j);
      if (end == std::string_view::npos) return std::nullopt;
      i = end + 1;
    } else {
      std::size_t j = i + 1;
      while (j < s.size() && !is_name_end(s[j])) ++j;
      std::string_view name = s.substr(i + 1, j - i - 1);
      // Skip attributes, whose quoted values may hold '>'.
      char quote = 0;
      for (; j < s.size(); ++j) {
        if (quote) {
          if (s[j] == quote) quote = 0;
        } else if (s[j] == '"' || s[j] == '\'') {
          quote = s[j];
        } else if (s[j] == '>') {
          break;
        }
      }
      if (j >= s.size()) return std::nullopt;
      if (s[j - 1] != '/') stack.push_back({name, i});
      i = j + 1;
    }
  }
  if (!stack.empty()) {
    const OpenTag& open = stack.back();
    return TagProblem{open.offset, "malformed XML: <" + std::string(open.name) +
                                       "> is never closed (expected </" + std::string(open.name) +
                                       ">)"};
  }
  return std::nullopt;
}

// Turns a pugixml failure into a diagnostic at the right place, with a message that says what the
// markup should have been.
Diagnostic markup_error(const pugi::xml_parse_result& result, std::string_view text,
                        const SourceText& source) {
  std::size_t offset = static_cast<std::size_t>(result.offset);
  std::string message;
  auto last_before = [&](std::string_view what) {
    std::size_t at = text.rfind(what, offset);
    if (at != std::string_view::npos) offset = at;
  };
  switch (result.status) {
    case pugi::status_end_element_mismatch:
      if (std::optional<TagProblem> p = find_tag_problem(text, source)) {
        return Diagnostic::at(source, p->offset, p->message);
      }
      message = "malformed XML: start and end tags do not match";
      break;
    case pugi::status_bad_comment:
      last_before("<!--");
      message = "malformed XML: bad comment (expected <!-- ... -->)";
      break;
    case pugi::status_bad_cdata:
      last_before("<![CDATA[");
      message = "malformed XML: bad CDATA section (expected <![CDATA[ ... ]]>)";
      break;
    case pugi::status_bad_pi:
      message = "malformed XML: bad declaration or processing instruction (expected <? ... ?>)";
      break;
    case pugi::status_bad_doctype:
      message = "malformed XML: bad DOCTYPE";
      break;
    case pugi::status_bad_start_element:
      last_before("<");
      message = "malformed XML: bad start tag (expected <name> or <name/>)";
      break;
    case pugi::status_bad_attribute:
      message = "malformed XML: bad attribute (expected name=\"value\")";
      break;
    case pugi::status_bad_end_element:
      last_before("</");
      message = "malformed XML: bad end tag (expected </name>)";
      break;
    case pugi::status_unrecognized_tag:
      last_before("<");
      message = "malformed XML: '<' does not start a tag (write it as &lt; in text)";
      break;
    default:
      message = std::string("malformed XML: ") + result.description();
      break;
  }
  return Diagnostic::at(source, offset, std::move(message));
}

// The reference at p[i] == '&' in text of n bytes: one of the five entities or a numeric
// character reference to a character XML allows. Appends its character to *out and returns the
// index of its ';', or sets *message and returns npos. The reader decodes text with it and the
// template loader checks text with it, so both refuse the same references in the same words.
// Inlined: text with entities decodes one reference after another through it.
[[gnu::always_inline]] inline std::size_t decode_reference(const char* p, std::size_t i,
                                                           std::size_t n, std::string* out,
                                                           std::string* message) {
  std::size_t semi = i + 1;
  while (semi < n && semi - i <= 32 && p[semi] != ';' && p[semi] != '&' && p[semi] != '<' &&
         !is_xml_space(p[semi])) {
    ++semi;
  }
  if (semi >= n || p[semi] != ';') {
    *message = "'&' must be written as &amp; in text";
    return std::string_view::npos;
  }
  std::string_view name(p + i + 1, semi - i - 1);
  std::string_view ref(p + i, semi - i + 1);
  if (!name.empty() && name[0] == '#') {
    bool hex = name.size() > 1 && name[1] == 'x';
    std::string_view digits = name.substr(hex ? 2 : 1);
    std::uint32_t cp = 0;
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
    if (digits.empty() || digits[0] == '-' || digits[0] == '+' || ec != std::errc() ||
        end != digits.data() + digits.size()) {
      *message =
          "malformed character reference " + std::string(ref) + " (expected &#DIGITS; or &#xHEX;)";
      return std::string_view::npos;
    }
    bool valid = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                 (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!valid) {
      *message = "character reference " + std::string(ref) +
                 " is not a character XML allows (binary content goes in <data>)";
      return std::string_view::npos;
    }
    std::string& s = *out;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  } else if (name == "lt") {
    *out += '<';
  } else if (name == "gt") {
    *out += '>';
  } else if (name == "amp") {
    *out += '&';
  } else if (name == "quot") {
    *out += '"';
  } else if (name == "apos") {
    *out += '\'';
  } else {
    *message = "unknown entity " + std::string(ref) +
               " (plists know only &lt; &gt; &amp; &quot; &apos; and &#N;)";
    return std::string_view::npos;
  }
  return semi;
}

// ---- The tree walk ----

// Element text after decoding, and where it came from. The text is decoded straight into the
// string that keeps it (a dict key, a string Value, or the reader's scratch for other scalars).
struct Text {
  std::string& value;
  std::size_t offset = 0;  // input offset of the first text byte (or of the element when empty)
  bool exact = true;       // value[i] sits at input offset + i (no entity, CDATA or CR changed it)
};

// Offsets are stored in 32 bits; past 4 GiB (only with a raised max_bytes) there is no position.
std::uint32_t offset32(std::size_t offset) {
  return offset < kNoOffset ? static_cast<std::uint32_t>(offset) : kNoOffset;
}

constexpr std::size_t kIndexThreshold = 16;  // dicts with more keys find duplicates by hash

class XmlReader {
 public:
  XmlReader(const SourceText& source, const char* buffer, const ReadOptions& options,
            std::vector<Diagnostic>* warnings)
      : source_(source), buffer_(buffer), options_(options), warnings_(warnings) {
    path_.reserve(32);
  }
  // scratch_ refers to scratch_value_, so a copy would share the original's string.
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  bool read_document(pugi::xml_node document, Value* out);
  Error take_error() { return Error(ExitCode::kDataError, std::move(error_)); }

 private:
  // One step of the key path to the value being read: a dict key or an array index.
  struct PathPart {
    const std::string* key;
    std::size_t index;
  };

  std::size_t offset_of(pugi::xml_node element) const { return offset_of_name(element.name()); }
  // Each pugixml accessor is an out-of-line call, so the walk asks for an element's name once and
  // derives the offset from it.
  std::size_t offset_of_name(const char* name) const {
    return static_cast<std::size_t>(name - buffer_) - 1;  // the '<'
  }
  std::size_t offset_of_text(pugi::xml_node text) const {
    return static_cast<std::size_t>(text.value() - buffer_);
  }

  // The path to the value being read. Very deep paths keep their first and last steps only, so a
  // nesting error stays one readable line.
  std::string key_path() const {
    constexpr std::size_t kEnds = 6;
    auto render = [&](std::size_t begin, std::size_t end) {
      KeyPath p;
      for (std::size_t i = begin; i < end; ++i) {
        p = path_[i].key ? p.key(*path_[i].key) : p.index(path_[i].index);
      }
      return p.str();
    };
    if (path_.size() <= 3 * kEnds) return render(0, path_.size());
    return render(0, kEnds) + " ... " + render(path_.size() - kEnds, path_.size());
  }

  bool fail(std::size_t offset, std::string message) {
    error_ = Diagnostic::at(source_, offset, std::move(message));
    error_.key_path = key_path();
    return false;
  }

  bool read_value(pugi::xml_node element, Tag tag, std::size_t offset, int depth, Value* out);
  bool read_dict(pugi::xml_node element, int depth, Value* out);
  bool read_array(pugi::xml_node element, int depth, Value* out);
  bool read_text(pugi::xml_node element, std::size_t element_offset, Text* out);
  // The common cases (text that is only embedded, text without entities or CR) stay in small
  // functions; the rest is kept out of line so their callers save fewer registers per call.
  bool append_pcdata(const char* p, std::size_t offset, Text* out);
  [[gnu::noinline]] bool decode_pcdata(const char* p, std::size_t plain, std::size_t offset,
                                       Text* out);
  [[gnu::noinline]] bool read_text_children(pugi::xml_node element, pugi::xml_node child,
                                            bool first, Text* out);
  bool check_container_text(const char* text, bool cdata, const char* container,
                            const char* expected);
  bool check_embedded_text(pugi::xml_node element, const char* container, const char* expected) {
    return check_container_text(element.value(), false, container, expected);
  }
  bool unknown_element(pugi::xml_node element, bool root);
  template <typename T>
  bool parse_scalar(const Parsed<T>& parsed, const Text& text, std::size_t element_offset, T* out);
  bool parse_data(const Text& text, std::size_t element_offset, Data* out);

  const SourceText& source_;
  const char* buffer_;
  const ReadOptions& options_;
  std::vector<Diagnostic>* warnings_;
  std::vector<PathPart> path_;
  // The text of numbers, dates, booleans and data, reused to save allocations.
  std::string scratch_value_;
  Text scratch_{scratch_value_};
  Diagnostic error_;
};

bool XmlReader::read_document(pugi::xml_node document, Value* out) {
  pugi::xml_node root;
  for (pugi::xml_node child = document.first_child(); child; child = child.next_sibling()) {
    pugi::xml_node_type type = child.type();
    if (type == pugi::node_pcdata || type == pugi::node_cdata) {
      std::string_view text = child.value();
      std::size_t at = type == pugi::node_cdata ? 0 : first_non_space(text);
      if (at == std::string_view::npos) continue;
      std::size_t offset = offset_of_text(child) + at;
      if (!root) {
        bool any_element = false;
        for (pugi::xml_node n = child.next_sibling(); n && !any_element; n = n.next_sibling()) {
          any_element = n.type() == pugi::node_element;
        }
        if (!any_element) {
          return fail(offset, "not a property list: expected XML with <plist> or a value element");
        }
        return fail(offset, "text before the root element (expected '<')");
      }
      return fail(offset, "text after the root element </" + std::string(root.name()) + ">");
    }
    if (type != pugi::node_element) continue;
    if (root) {
      return fail(offset_of(child), "more than one root element (the plist ends at </" +
                                        std::string(root.name()) + ">)");
    }
    root = child;
  }
  if (!root) {
    error_ = Diagnostic();
    error_.file = source_.name();
    error_.message = "no root element: expected <plist> or a value element";
    return false;
  }
  Tag tag = classify(root.name());
  if (tag != Tag::kPlist) {
    if (tag == Tag::kUnknown) return unknown_element(root, true);
    return read_value(root, tag, offset_of(root), 0, out);
  }
  // <plist version="..."> holds exactly one value; the version is not checked, as in
  // CoreFoundation.
  pugi::xml_node value;
  if (!check_embedded_text(root, "plist", "one value element")) return false;
  for (pugi::xml_node child = root.first_child(); child; child = child.next_sibling()) {
    pugi::xml_node_type type = child.type();
    if (type == pugi::node_pcdata || type == pugi::node_cdata) {
      if (!check_container_text(child.value(), type == pugi::node_cdata, "plist",
                                "one value element")) {
        return false;
      }
      continue;
    }
    if (type != pugi::node_element) continue;
    if (value) {
      return fail(offset_of(child),
                  "more than one value in <plist> (a plist holds one root value)");
    }
    value = child;
  }
  if (!value) return fail(offset_of(root), "empty <plist>: expected one value element");
  const char* value_name = value.name();
  return read_value(value, classify(value_name), offset_of_name(value_name), 0, out);
}

bool XmlReader::check_container_text(const char* text, bool cdata, const char* container,
                                     const char* expected) {
  std::string_view s = text;
  std::size_t at = first_non_space(s);
  if (cdata && !s.empty()) at = 0;
  if (at == std::string_view::npos) return true;
  return fail(static_cast<std::size_t>(text - buffer_) + at,
              std::string("unexpected text in <") + container + ">: expected " + expected);
}

bool XmlReader::unknown_element(pugi::xml_node element, bool root) {
  static const std::vector<std::string> kNames = {"dict", "array", "string", "integer", "real",
                                                  "true", "false", "date",   "data",    "key"};
  std::string name = element.name();
  std::string message = "unknown element <" + name + ">";
  std::vector<std::string> close = closest_matches(name, kNames, 1);
  if (!close.empty()) {
    message += "; did you mean <" + close[0] + ">?";
  } else if (root) {
    message += ": expected <plist> or a value element";
  } else {
    message +=
        ": expected <dict>, <array>, <string>, <integer>, <real>, <true/>, <false/>, <date> or "
        "<data>";
  }
  return fail(offset_of(element), std::move(message));
}

bool XmlReader::read_value(pugi::xml_node element, Tag tag, std::size_t offset, int depth,
                           Value* out) {
  switch (tag) {
    case Tag::kDict:
    case Tag::kArray:
      if (depth >= options_.max_depth) {
        return fail(offset, "nesting deeper than " + std::to_string(options_.max_depth) +
                                " levels of <dict> and <array>");
      }
      if (!(tag == Tag::kDict ? read_dict(element, depth + 1, out)
                              : read_array(element, depth + 1, out))) {
        return false;
      }
      break;
    case Tag::kString: {
      // Containers hand in a fresh Value, which already holds a string: read into it in place.
      if (!out->is_string()) *out = Value(std::string());
      Text text{out->as_string()};
      if (!read_text(element, offset, &text)) return false;
      break;
    }
    case Tag::kInteger: {
      Integer v;
      if (!read_text(element, offset, &scratch_) ||
          !parse_scalar(parse_integer(scratch_.value), scratch_, offset, &v)) {
        return false;
      }
      *out = Value(v);
      break;
    }
    case Tag::kReal: {
      double v = 0;
      if (!read_text(element, offset, &scratch_) ||
          !parse_scalar(parse_real(scratch_.value), scratch_, offset, &v)) {
        return false;
      }
      *out = Value(v);
      break;
    }
    case Tag::kTrue:
    case Tag::kFalse: {
      if (!read_text(element, offset, &scratch_)) return false;
      std::size_t at = first_non_space(scratch_.value);
      if (at != std::string_view::npos) {
        return fail(
            scratch_.exact ? scratch_.offset + at : offset,
            std::string("unexpected text in <") + element.name() + "/>: expected an empty element");
      }
      *out = Value(tag == Tag::kTrue);
      break;
    }
    case Tag::kDate: {
      Date v;
      if (!read_text(element, offset, &scratch_) ||
          !parse_scalar(parse_date(scratch_.value), scratch_, offset, &v)) {
        return false;
      }
      *out = Value(v);
      break;
    }
    case Tag::kData: {
      Data v;
      if (!read_text(element, offset, &scratch_) || !parse_data(scratch_, offset, &v)) return false;
      *out = Value(std::move(v));
      break;
    }
    case Tag::kKey:
      return fail(offset, "<key> outside a <dict>");
    case Tag::kPlist:
      return fail(offset, "<plist> inside a value (it is allowed only as the root element)");
    case Tag::kUnknown:
      return unknown_element(element, false);
  }
  out->set_offset(offset32(offset));
  return true;
}

bool XmlReader::read_dict(pugi::xml_node element, int depth, Value* out) {
  // Each entry is built in place: its key is read into a new last entry, its value straight into
  // that entry. Every entry needs a <key> and a value element, so half the children (rounded up)
  // bound the number of entries; reserving that keeps the entries, the key views in `index` and
  // the key in path_ from moving.
  std::size_t children = 0;
  for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) ++children;
  Dict dict;
  std::vector<DictEntry>& entries = dict.entries();
  entries.reserve((children + 1) / 2);
  std::unordered_map<std::string_view, std::size_t> index;  // key -> entry, for big dicts

  bool have_key = false;  // entries.back() holds a key still waiting for its value
  std::size_t key_offset = 0;
  if (!check_embedded_text(element, "dict", "<key> and value elements")) return false;
  for (pugi::xml_node child = element.first_child();; child = child.next_sibling()) {
    // A null node has type node_null: one accessor call both ends the loop and sorts the child.
    const pugi::xml_node_type type = child.type();
    if (type == pugi::node_null) break;
    if (type == pugi::node_pcdata || type == pugi::node_cdata) {
      if (!check_container_text(child.value(), type == pugi::node_cdata, "dict",
                                "<key> and value elements")) {
        return false;
      }
      continue;
    }
    if (type != pugi::node_element) continue;
    const char* name = child.name();
    const Tag tag = classify(name);
    const std::size_t offset = offset_of_name(name);
    if (tag == Tag::kKey) {
      if (have_key) {
        path_.push_back({&entries.back().key, 0});
        return fail(key_offset, "<key> without a value");
      }
      DictEntry& entry = entries.emplace_back();
      Text text{entry.key};
      if (!read_text(child, offset, &text)) return false;
      entry.key_offset = offset32(offset);
      key_offset = offset;
      have_key = true;
      continue;
    }
    if (!have_key && tag != Tag::kUnknown && tag != Tag::kPlist) {
      return fail(offset, "<" + std::string(name) +
                              "> without a <key> (each value in a <dict> follows its key)");
    }
    if (!have_key) {
      Value unused;  // an unknown element or <plist>: read_value reports it
      return read_value(child, tag, offset, depth, &unused);
    }
    DictEntry& entry = entries.back();
    path_.push_back({&entry.key, 0});
    if (!read_value(child, tag, offset, depth, &entry.value)) return false;
    path_.pop_back();
    have_key = false;

    // Duplicate keys: CoreFoundation keeps the later value; we keep the first key's place.
    const std::size_t before = entries.size() - 1;  // entries ahead of this one
    DictEntry* existing = nullptr;
    if (before <= kIndexThreshold) {
      for (std::size_t i = 0; i < before; ++i) {
        if (entries[i].key == entry.key) {
          existing = &entries[i];
          break;
        }
      }
    } else if (auto it = index.find(entry.key); it != index.end()) {
      existing = &entries[it->second];
    }
    if (existing) {
      SourceText::Position first = source_.position(existing->key_offset);
      path_.push_back({&entry.key, 0});
      Diagnostic warning = Diagnostic::at(
          source_, key_offset,
          "duplicate key " + quote_text(entry.key) + " (first at " + std::to_string(first.line) +
              ":" + std::to_string(first.column) + "); the later value wins",
          Severity::kWarning);
      warning.key_path = key_path();
      path_.pop_back();
      warnings_->push_back(std::move(warning));
      existing->value = std::move(entry.value);
      entries.pop_back();
      continue;
    }
    if (entries.size() > kIndexThreshold) {
      if (index.empty()) {
        index.reserve((children + 1) / 2);
        for (std::size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].key, i);
      } else {
        index.emplace(entries.back().key, entries.size() - 1);
      }
    }
  }
  if (have_key) {
    path_.push_back({&entries.back().key, 0});
    return fail(key_offset, "<key> without a value");
  }
  *out = Value(std::move(dict));
  return true;
}

bool XmlReader::read_array(pugi::xml_node element, int depth, Value* out) {
  std::size_t children = 0;
  for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) ++children;
  Array array;
  array.reserve(children);
  if (!check_embedded_text(element, "array", "value elements")) return false;
  for (pugi::xml_node child = element.first_child();; child = child.next_sibling()) {
    // A null node has type node_null: one accessor call both ends the loop and sorts the child.
    const pugi::xml_node_type type = child.type();
    if (type == pugi::node_null) break;
    if (type == pugi::node_pcdata || type == pugi::node_cdata) {
      if (!check_container_text(child.value(), type == pugi::node_cdata, "array",
                                "value elements")) {
        return false;
      }
      continue;
    }
    if (type != pugi::node_element) continue;
    path_.push_back({nullptr, array.size()});
    array.emplace_back();
    const char* name = child.name();
    if (!read_value(child, classify(name), offset_of_name(name), depth, &array.back())) {
      return false;
    }
    path_.pop_back();
  }
  *out = Value(std::move(array));
  return true;
}

bool XmlReader::read_text(pugi::xml_node element, std::size_t element_offset, Text* out) {
  out->value.clear();
  out->exact = true;
  out->offset = element_offset;
  bool first = true;
  // parse_embed_pcdata stores text that comes first in the element itself.
  if (const char* embedded = element.value(); *embedded) {
    out->offset = static_cast<std::size_t>(embedded - buffer_);
    first = false;
    if (!append_pcdata(embedded, out->offset, out)) return false;
  }
  pugi::xml_node child = element.first_child();
  return !child || read_text_children(element, child, first, out);
}

// The text nodes after an element's embedded text: more text after a comment, CDATA sections,
// or an element where only text may be.
bool XmlReader::read_text_children(pugi::xml_node element, pugi::xml_node child, bool first,
                                   Text* out) {
  for (; child; child = child.next_sibling()) {
    pugi::xml_node_type type = child.type();
    if (type == pugi::node_element) {
      return fail(offset_of(child), "unexpected element <" + std::string(child.name()) +
                                        "> inside <" + element.name() + ">: expected text only");
    }
    if (type != pugi::node_pcdata && type != pugi::node_cdata) continue;
    const char* p = child.value();
    std::size_t offset = offset_of_text(child);
    if (first) {
      out->offset = offset;
      first = false;
    } else {
      out->exact = false;
    }
    if (type == pugi::node_pcdata) {
      if (!append_pcdata(p, offset, out)) return false;
      continue;
    }
    // CDATA is literal apart from line ends, which XML normalises everywhere.
    out->exact = false;
    for (; *p; ++p) {
      if (*p == '\r') {
        out->value += '\n';
        if (p[1] == '\n') ++p;
      } else {
        out->value += *p;
      }
    }
  }
  return true;
}

// Decodes parsed character data: the five predefined entities, numeric character references,
// and CR or CRLF line ends (to LF, as XML requires). Anything else after '&' is an error.
bool XmlReader::append_pcdata(const char* p, std::size_t offset, Text* out) {
  // Most text has nothing to decode: one scan finds its end or the first '&' or CR. Empty text
  // may be pugixml's static "" rather than a string in the buffer, so it is not scanned.
  if (*p == '\0') return true;
  std::size_t plain = plain_length(p);
  out->value.append(p, plain);
  if (p[plain] == '\0') return true;
  return decode_pcdata(p, plain, offset, out);
}

// The part of a text from its first '&' or CR (at p + plain) on.
bool XmlReader::decode_pcdata(const char* p, std::size_t plain, std::size_t offset, Text* out) {
  out->exact = false;
  std::size_t n = plain + std::strlen(p + plain);
  std::string message;
  for (std::size_t i = plain; i < n; ++i) {
    char c = p[i];
    if (c == '\r') {
      out->value += '\n';
      if (i + 1 < n && p[i + 1] == '\n') ++i;
      continue;
    }
    if (c != '&') {
      // A plain run up to the next '&', CR or the end: copy it at once.
      std::size_t run = plain_length(p + i);
      out->value.append(p + i, run);
      i += run - 1;
      continue;
    }
    std::size_t semi = decode_reference(p, i, n, &out->value, &message);
    if (semi == std::string_view::npos) return fail(offset + i, std::move(message));
    i = semi;
  }
  return true;
}

// A scalar's text through the one grammar (plist/scalar.h). Its error offset counts into the
// decoded text, which sits at the same input offsets only when nothing was decoded; otherwise
// the error points at the element.
template <typename T>
bool XmlReader::parse_scalar(const Parsed<T>& parsed, const Text& text, std::size_t element_offset,
                             T* out) {
  if (parsed.ok()) {
    *out = parsed.value();
    return true;
  }
  const ScalarError& e = parsed.error();
  return fail(text.exact ? text.offset + e.offset : element_offset, e.message);
}

bool XmlReader::parse_data(const Text& text, std::size_t element_offset, Data* out) {
  Base64Error error;
  std::optional<Data> data = base64_decode(text.value, &error);
  if (!data) {
    return fail(text.exact ? text.offset + error.offset : element_offset,
                "malformed <data>: " + error.message);
  }
  *out = std::move(*data);
  return true;
}

// How pugixml should treat whitespace-only text. Keeping every such node (parse_ws_pcdata) is
// always exact but makes a node for each indentation run; parse_ws_pcdata_single keeps only a
// whitespace run that is an element's whole content, which gives the same strings unless a
// comment, CDATA section or processing instruction sits inside the text. So the cheaper mode is
// used for documents that hold none of those (the declaration aside).
unsigned whitespace_flag(const MarkupSeen& seen, bool starts_with_declaration) {
  int allowed = starts_with_declaration ? 1 : 0;
  if (seen.comment_or_cdata || seen.processing_instructions > allowed) return pugi::parse_ws_pcdata;
  return pugi::parse_ws_pcdata_single;
}

}  // namespace

namespace {

// NUL bytes and whitespace after the document are ignored: some tools pad files with NULs.
std::string_view without_padding(std::string_view bytes) {
  std::size_t end = bytes.size();
  while (end > 0 && (bytes[end - 1] == '\0' || is_xml_space(bytes[end - 1]))) --end;
  return bytes.substr(0, end);
}

Error character_error(const SourceText& source, const BadInput& bad) {
  Diagnostic d = Diagnostic::at(source, bad.offset, bad.message);
  d.source_line = printable_utf8(d.source_line);
  return Error(ExitCode::kDataError, std::move(d));
}

}  // namespace

// The references in the document's text, checked as the reader decodes them. Comments, CDATA
// sections, processing instructions, the DOCTYPE and tags (whose attributes plists ignore) are
// skipped.
std::optional<BadInput> check_references(std::string_view s) {
  std::string scratch, message;
  std::size_t i = 0;
  auto skip_past = [&](std::string_view end) {
    std::size_t at = s.find(end, i);
    i = at == std::string_view::npos ? s.size() : at + end.size();
  };
  while ((i = s.find_first_of("<&", i)) != std::string_view::npos) {
    std::string_view rest = s.substr(i);
    if (s[i] == '&') {
      scratch.clear();
      std::size_t semi = decode_reference(s.data(), i, s.size(), &scratch, &message);
      if (semi == std::string_view::npos) return BadInput{i, std::move(message)};
      i = semi + 1;
    } else if (rest.starts_with("<!--")) {
      skip_past("-->");
    } else if (rest.starts_with("<![CDATA[")) {
      skip_past("]]>");
    } else if (rest.starts_with("<?")) {
      skip_past("?>");
    } else if (rest.starts_with("<!")) {
      skip_past(">");
    } else {
      char quote = 0;
      for (++i; i < s.size() && (quote || s[i] != '>'); ++i) {
        if (quote ? s[i] == quote : s[i] == '"' || s[i] == '\'') quote = quote ? 0 : s[i];
      }
    }
  }
  return std::nullopt;
}

Status check_xml_characters(const SourceText& source) {
  MarkupSeen unused;
  std::string_view body = without_padding(source.text());
  if (std::optional<BadInput> bad = check_characters(body, &unused)) {
    return character_error(source, *bad);
  }
  if (std::optional<BadInput> bad = check_references(body)) {
    return Error(ExitCode::kDataError, Diagnostic::at(source, bad->offset, bad->message));
  }
  return Ok{};
}

Result<Document> read_xml(std::string_view bytes, const ReadOptions& options) {
  std::string name = source_name(options);
  if (bytes.size() > options.max_bytes) {
    return Error::make(ExitCode::kDataError, name,
                       "input is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                           std::to_string(options.max_bytes) + " bytes");
  }
  if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) {
    return Error::make(ExitCode::kDataError, name,
                       "UTF-16 input is not supported: convert it to UTF-8 (plutil -convert xml1)");
  }
  std::string_view body = without_padding(bytes);
  const std::size_t end = body.size();
  std::size_t content = body.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  std::size_t start = first_non_space(body.substr(content));
  if (start == std::string_view::npos) {
    return Error::make(ExitCode::kDataError, name, "empty input: expected a property list");
  }

  Document doc;
  doc.format = Format::kXml;
  doc.source = std::make_shared<const SourceText>(name, std::string(bytes));
  const SourceText& source = *doc.source;
  MarkupSeen seen;
  if (std::optional<BadInput> bad = check_characters(body, &seen)) {
    return character_error(source, *bad);
  }

  // pugixml parses a copy in place; names and text stay at their input offsets because the
  // reader decodes entities and line ends itself (parse_escapes and parse_eol are off).
  // parse_fragment keeps text outside the root element visible so it can be rejected.
  // Most profiles are a few KiB: those are parsed in a buffer on the stack, saving an allocation.
  char stack_buffer[16 * 1024];
  std::unique_ptr<char[]> heap_buffer;
  char* buffer = stack_buffer;
  if (end + kPadding > sizeof stack_buffer) {
    heap_buffer.reset(new char[end + kPadding]);
    buffer = heap_buffer.get();
  }
  std::memcpy(buffer, body.data(), end);
  std::memset(buffer + end, 0, kPadding);
  pugi::xml_document xml;
  const unsigned flags = pugi::parse_cdata | pugi::parse_fragment | pugi::parse_embed_pcdata |
                         whitespace_flag(seen, body.substr(content + start).starts_with("<?"));
  pugi::xml_parse_result parsed =
      xml.load_buffer_inplace(buffer, end + 1, flags, pugi::encoding_utf8);
  if (!parsed) return Error(ExitCode::kDataError, markup_error(parsed, body, source));

  XmlReader reader(source, buffer, options, &doc.warnings);
  if (!reader.read_document(xml, &doc.root)) return reader.take_error();
  return doc;
}

}  // namespace cmdm::plist
