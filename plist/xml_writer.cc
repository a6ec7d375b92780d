// The XML writers: minimal (smallest text CoreFoundation and conforming XML parsers read back to
// the same value) and pretty (CoreFoundation's own layout, so diffs against Apple-written files
// stay small). Both write the text in a single pass into a reused per-thread buffer.
#if defined(__SSE2__) && !defined(CMDM_NO_SIMD)
#include <emmintrin.h>
#endif

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "plist/writer.h"

namespace cmdm::plist {

namespace {

using namespace std::string_view_literals;

constexpr std::string_view kDeclaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";
constexpr std::string_view kDoctype =
    R"(<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">)";
constexpr std::string_view kPlistOpen = R"(<plist version="1.0">)";
constexpr std::string_view kPlistClose = "</plist>";

// The text being written: a growable byte buffer whose appends are inline. std::string's appends
// each call into the standard library, and the writers make several per value, so this buffer
// was worth its few lines; it is kept per thread (see write_with_scratch) so its capacity is
// reused from document to document.
class Output {
 public:
  // Makes room for n more bytes and returns where they go.
  char* grow(std::size_t n) {
    if (capacity_ - size_ < n) reallocate(size_ + n);
    char* at = data_.get() + size_;
    size_ += n;
    return at;
  }
  void append(const char* s, std::size_t n) {
    if (n != 0) std::memcpy(grow(n), s, n);
  }
  void append(std::size_t n, char c) {
    if (n != 0) std::memset(grow(n), c, n);
  }
  Output& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  Output& operator+=(char c) {
    *grow(1) = c;
    return *this;
  }
  void clear() { size_ = 0; }
  std::size_t capacity() const { return capacity_; }
  void release() {
    data_.reset();
    size_ = capacity_ = 0;
  }
  std::string str() const { return std::string(data_.get(), size_); }

 private:
  void reallocate(std::size_t needed) {
    std::size_t capacity = capacity_ < 4096 ? 4096 : 2 * capacity_;
    if (capacity < needed) capacity = needed;
    std::unique_ptr<char[]> data(new char[capacity]);
    if (size_ != 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Bytes the text escaper must look at: & < > and CR. Everything else is copied in bulk.
constexpr bool needs_attention(unsigned char c) {
  return c == '&' || c == '<' || c == '>' || c == '\r';
}

struct AttentionTable {
  bool v[256] = {};
  constexpr AttentionTable() {
    for (int i = 0; i < 256; ++i) v[i] = needs_attention(static_cast<unsigned char>(i));
  }
};
constexpr AttentionTable kAttention;

// The first byte in [p, end) that is one of & < > CR, or end. Profile text rarely holds one, and
// this scan was the writer's largest cost, so x86 compares 16 bytes per step with SSE2; other
// targets test eight bytes per step with the classic "has a zero byte" trick on w XOR each
// character (exact: no false positives), then find the byte with the table.
#if defined(__SSE2__) && !defined(CMDM_NO_SIMD)
inline unsigned attention_mask(__m128i v) {
  const __m128i hit = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')), _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
  return static_cast<unsigned>(_mm_movemask_epi8(hit));
}
inline const char* find_attention(const char* p, const char* end) {
  for (; end - p >= 16; p += 16) {
    unsigned mask = attention_mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    if (mask != 0) return p + std::countr_zero(mask);
  }
  // Most strings are shorter than 16 bytes, or end in such a piece: test the rest with two
  // overlapping loads (zero bytes never match), and go byte by byte only when something is there.
  const std::size_t n = static_cast<std::size_t>(end - p);
  if (n == 0) return end;
  __m128i v;
  if (n >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, end - 8, 8);
    v = _mm_set_epi64x(static_cast<long long>(b), static_cast<long long>(a));
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, end - 4, 4);
    v = _mm_set_epi32(0, 0, static_cast<int>(b), static_cast<int>(a));
  } else {
    // Bytes 0, n/2 and n-1 cover every byte of a 1-3 byte piece.
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    v = _mm_cvtsi32_si128(static_cast<int>(u[0] | (u[n / 2] << 8) | (u[n - 1] << 16)));
  }
  if (attention_mask(v) == 0) return end;
  while (p != end && !kAttention.v[static_cast<unsigned char>(*p)]) ++p;
  return p;
}
#else
inline bool word_needs_attention(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  return (has_zero(w ^ (kOnes * '&')) | has_zero(w ^ (kOnes * '<')) | has_zero(w ^ (kOnes * '>')) |
          has_zero(w ^ (kOnes * '\r'))) != 0;
}
inline const char* find_attention(const char* p, const char* end) {
  for (std::uint64_t w; end - p >= 8; p += 8) {
    std::memcpy(&w, p, sizeof w);
    if (word_needs_attention(w)) break;
  }
  while (p != end && !kAttention.v[static_cast<unsigned char>(*p)]) ++p;
  return p;
}
#endif

// Escapes character data. `minimal` escapes '>' only where it would close "]]>" (the one place XML
// requires it); the pretty style escapes every '>' as CoreFoundation does. CR is always written as
// &#13; because conforming XML parsers (expat, pugixml) turn a raw CR into LF; CoreFoundation reads
// the reference too. Control characters XML 1.0 cannot hold (< 0x20 except TAB LF CR) are copied
// raw, as CoreFoundation writes and reads them; no XML 1.0 parser accepts them in any spelling.
void append_escaped(Output& out, std::string_view s, bool minimal) {
  const char* p = s.data();
  const char* end = p + s.size();
  const char* run = p;  // the first byte not yet copied
  for (; (p = find_attention(p, end)) != end; ++p) {
    const char* rep;
    std::size_t rep_len;
    switch (*p) {
      case '&':
        rep = "&amp;";
        rep_len = 5;
        break;
      case '<':
        rep = "&lt;";
        rep_len = 4;
        break;
      case '>':
        if (minimal && !(p - s.data() >= 2 && p[-1] == ']' && p[-2] == ']')) continue;
        rep = "&gt;";
        rep_len = 4;
        break;
      default:  // '\r'
        rep = "&#13;";
        rep_len = 5;
        break;
    }
    out.append(run, static_cast<std::size_t>(p - run));
    out.append(rep, rep_len);
    run = p + 1;
  }
  out.append(run, static_cast<std::size_t>(end - run));
}

void append_integer(Output& out, Integer i) {
  char buf[24];
  std::to_chars_result r = i.is_big_unsigned() ? std::to_chars(buf, buf + sizeof buf, i.as_uint64())
                                               : std::to_chars(buf, buf + sizeof buf, i.as_int64());
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

// Drops the '+' and leading zeros of a to_chars exponent: "1e+05" -> "1e5", "1e-07" -> "1e-7".
std::size_t trim_exponent(char* buf, std::size_t len) {
  char* e = static_cast<char*>(std::memchr(buf, 'e', len));
  if (e == nullptr) return len;
  char* src = e + 1;
  char* dst = e + 1;
  char* end = buf + len;
  if (*src == '+') {
    ++src;
  } else if (*src == '-') {
    *dst++ = *src++;
  }
  while (src + 1 < end && *src == '0') ++src;
  while (src < end) *dst++ = *src++;
  return static_cast<std::size_t>(dst - buf);
}

// The shortest spelling that reads back to the same double: the shorter of the shortest fixed and
// shortest scientific forms (exponent trimmed). "inf"/"-inf"/"nan" are the shortest forms that
// both CoreFoundation and plistlib accept.
void append_real_minimal(Output& out, double d) {
  if (std::isnan(d)) {
    out += "nan"sv;
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "inf"sv : "-inf"sv;
    return;
  }
  char fixed[400];
  char sci[40];
  auto f = std::to_chars(fixed, fixed + sizeof fixed, d, std::chars_format::fixed);
  auto s = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  std::size_t flen = static_cast<std::size_t>(f.ptr - fixed);
  std::size_t slen = trim_exponent(sci, static_cast<std::size_t>(s.ptr - sci));
  if (flen <= slen) {
    out.append(fixed, flen);
  } else {
    out.append(sci, slen);
  }
}

// CoreFoundation writes reals with "%.17g" and spells the specials nan, +infinity, -infinity and
// zero as 0.0. We keep its layout (fixed notation while the decimal exponent is in [-4, 17),
// scientific otherwise, integral values without a fraction) but with the shortest digits that
// round-trip, so 0.1 stays "0.1" rather than CoreFoundation's "0.10000000000000001".
void append_real_pretty(Output& out, double d) {
  if (std::isnan(d)) {
    out += "nan"sv;
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "+infinity"sv : "-infinity"sv;
    return;
  }
  if (d == 0) {
    out += std::signbit(d) ? "-0.0"sv : "0.0"sv;
    return;
  }
  char buf[400];
  double a = std::fabs(d);
  std::to_chars_result r =
      (a >= 1e-4 && a < 1e17)
          ? std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed)
          : std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_base64(Output& out, const std::uint8_t* data, std::size_t size) {
  char* o = out.grow((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    std::uint32_t n =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    *o++ = kBase64[(n >> 18) & 63];
    *o++ = kBase64[(n >> 12) & 63];
    *o++ = kBase64[(n >> 6) & 63];
    *o++ = kBase64[n & 63];
  }
  if (size - i == 1) {
    std::uint32_t n = std::uint32_t{data[i]} << 16;
    *o++ = kBase64[(n >> 18) & 63];
    *o++ = kBase64[(n >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (size - i == 2) {
    std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    *o++ = kBase64[(n >> 18) & 63];
    *o++ = kBase64[(n >> 12) & 63];
    *o++ = kBase64[(n >> 6) & 63];
    *o++ = '=';
  }
}

// The writers append to a per-thread buffer that keeps its capacity from call to call, then
// return an exact-size copy of it: one allocation and one copy of the text, cheaper than walking
// the whole tree once more beforehand to size the output. A buffer grown past 1 MiB is released
// so one huge document does not pin its size for the life of the thread.
template <typename Write>
std::string write_with_scratch(Write write) {
  constexpr std::size_t kKeepCapacity = std::size_t{1} << 20;
  thread_local Output scratch;
  scratch.clear();
  write(scratch);
  std::string out = scratch.str();
  if (scratch.capacity() > kKeepCapacity) scratch.release();
  return out;
}

class MinimalWriter {
 public:
  explicit MinimalWriter(Output& out) : out_(out) {}

  void value(const Value& v) {
    switch (v.type()) {
      case Type::kString:
        if (v.as_string().empty()) {
          out_ += "<string/>"sv;
        } else {
          out_ += "<string>"sv;
          append_escaped(out_, v.as_string(), true);
          out_ += "</string>"sv;
        }
        break;
      case Type::kInteger:
        out_ += "<integer>"sv;
        append_integer(out_, v.as_integer());
        out_ += "</integer>"sv;
        break;
      case Type::kReal:
        out_ += "<real>"sv;
        append_real_minimal(out_, v.as_real());
        out_ += "</real>"sv;
        break;
      case Type::kBoolean:
        out_ += v.as_bool() ? "<true/>"sv : "<false/>"sv;
        break;
      case Type::kDate:
        out_ += "<date>"sv;
        out_ += v.as_date().to_iso8601();
        out_ += "</date>"sv;
        break;
      case Type::kData:
        // CoreFoundation rejects <data/> ("Encountered empty <data>"), so empty data keeps both
        // tags.
        out_ += "<data>"sv;
        append_base64(out_, v.as_data().data(), v.as_data().size());
        out_ += "</data>"sv;
        break;
      case Type::kArray:
        if (v.as_array().empty()) {
          out_ += "<array/>"sv;
        } else {
          out_ += "<array>"sv;
          for (const Value& item : v.as_array()) value(item);
          out_ += "</array>"sv;
        }
        break;
      case Type::kDict:
        if (v.as_dict().empty()) {
          out_ += "<dict/>"sv;
        } else {
          out_ += "<dict>"sv;
          for (const DictEntry& e : v.as_dict()) {
            if (e.key.empty()) {
              out_ += "<key/>"sv;  // CoreFoundation and plistlib read it as the empty key
            } else {
              out_ += "<key>"sv;
              append_escaped(out_, e.key, true);
              out_ += "</key>"sv;
            }
            value(e.value);
          }
          out_ += "</dict>"sv;
        }
        break;
    }
  }

 private:
  Output& out_;
};

// CoreFoundation's _CFAppendXML0, element for element: one tab per level, every element on its own
// line, <array/> and <dict/> when empty, <string></string> for the empty string, and <data> wrapped
// in lines of 76 - 8 * level characters indented by the level (both capped at level 8).
class PrettyWriter {
 public:
  explicit PrettyWriter(Output& out) : out_(out) {}

  void value(const Value& v, std::size_t level) {
    tabs(level);
    switch (v.type()) {
      case Type::kString:
        out_ += "<string>"sv;
        append_escaped(out_, v.as_string(), false);
        out_ += "</string>\n"sv;
        break;
      case Type::kInteger:
        out_ += "<integer>"sv;
        append_integer(out_, v.as_integer());
        out_ += "</integer>\n"sv;
        break;
      case Type::kReal:
        out_ += "<real>"sv;
        append_real_pretty(out_, v.as_real());
        out_ += "</real>\n"sv;
        break;
      case Type::kBoolean:
        out_ += v.as_bool() ? "<true/>\n"sv : "<false/>\n"sv;
        break;
      case Type::kDate:
        out_ += "<date>"sv;
        out_ += v.as_date().to_iso8601();
        out_ += "</date>\n"sv;
        break;
      case Type::kData:
        out_ += "<data>\n"sv;
        data_lines(v.as_data(), level);
        tabs(level);
        out_ += "</data>\n"sv;
        break;
      case Type::kArray:
        if (v.as_array().empty()) {
          out_ += "<array/>\n"sv;
          break;
        }
        out_ += "<array>\n"sv;
        for (const Value& item : v.as_array()) value(item, level + 1);
        tabs(level);
        out_ += "</array>\n"sv;
        break;
      case Type::kDict:
        if (v.as_dict().empty()) {
          out_ += "<dict/>\n"sv;
          break;
        }
        out_ += "<dict>\n"sv;
        for (const DictEntry& e : v.as_dict()) {
          tabs(level + 1);
          out_ += "<key>"sv;
          append_escaped(out_, e.key, false);
          out_ += "</key>\n"sv;
          value(e.value, level + 1);
        }
        tabs(level);
        out_ += "</dict>\n"sv;
        break;
    }
  }

 private:
  void tabs(std::size_t n) { out_.append(n, '\t'); }

  void data_lines(const Data& data, std::size_t level) {
    std::size_t indent = level > 8 ? 8 : level;
    std::size_t line_chars = 76 - 8 * indent;  // a multiple of 4: whole base64 quanta per line
    std::size_t line_bytes = line_chars / 4 * 3;
    for (std::size_t i = 0; i < data.size(); i += line_bytes) {
      std::size_t n = data.size() - i < line_bytes ? data.size() - i : line_bytes;
      tabs(indent);
      append_base64(out_, data.data() + i, n);
      out_ += '\n';
    }
  }

  Output& out_;
};

}  // namespace

std::string write_minimal_xml(const Value& root, const XmlOptions& options) {
  return write_with_scratch([&](Output& out) {
    if (options.declaration) out += kDeclaration;
    if (options.doctype) out += kDoctype;
    if (options.plist_element) out += kPlistOpen;
    MinimalWriter(out).value(root);
    if (options.plist_element) out += kPlistClose;
  });
}

std::string write_pretty_xml(const Value& root) {
  return write_with_scratch([&](Output& out) {
    out += kDeclaration;
    out += '\n';
    out += kDoctype;
    out += '\n';
    out += kPlistOpen;
    out += '\n';
    PrettyWriter(out).value(root, 0);
    out += kPlistClose;
    out += '\n';
  });
}

}  // namespace cmdm::plist
