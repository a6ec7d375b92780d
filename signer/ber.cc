// The bounds-checked BER reader of ber.h: every length is checked against what is left, nesting
// is capped, and indefinite lengths are resolved by walking to their end-of-contents octets.
#include "signer/ber.h"

namespace cmdm::signer::ber {

namespace {
constexpr int kMaxDepth = 48;
}

bool Reader::fail(std::string message, std::size_t at) {
  if (error_.empty()) error_ = message + " at byte " + std::to_string(at);
  return false;
}

bool Reader::read(std::size_t pos, std::size_t limit, Tlv* out, int depth) {
  if (depth > kMaxDepth) return fail("nested too deeply", pos);
  if (limit > bytes_.size()) limit = bytes_.size();
  if (pos + 2 > limit) return fail("truncated element", pos);
  Tlv t;
  t.begin = pos;
  t.tag = static_cast<unsigned char>(bytes_[pos]);
  if ((t.tag & 0x1f) == 0x1f) return fail("unexpected high tag number", pos);
  std::size_t p = pos + 1;
  const unsigned char first = static_cast<unsigned char>(bytes_[p++]);
  if (first == 0x80) {
    if (!t.constructed()) return fail("indefinite length on a primitive element", pos);
    t.content_begin = p;
    std::size_t cursor = p;
    for (;;) {
      if (cursor + 2 > limit) return fail("missing end-of-contents", pos);
      if (bytes_[cursor] == 0 && bytes_[cursor + 1] == 0) break;
      Tlv child;
      if (!read(cursor, limit, &child, depth + 1)) return false;
      cursor = child.end;
    }
    t.content_end = cursor;
    t.end = cursor + 2;
    *out = t;
    return true;
  }
  std::size_t length = first;
  if (first > 0x80) {
    const int count = first & 0x7f;
    if (count > 4) return fail("absurd length (" + std::to_string(count) + " length octets)", pos);
    if (p + static_cast<std::size_t>(count) > limit) return fail("truncated length", pos);
    length = 0;
    for (int i = 0; i < count; ++i)
      length = (length << 8) | static_cast<unsigned char>(bytes_[p++]);
  }
  if (length > limit - p) {
    return fail("length " + std::to_string(length) + " exceeds the " + std::to_string(limit - p) +
                    " bytes left",
                pos);
  }
  t.content_begin = p;
  t.content_end = p + length;
  t.end = t.content_end;
  *out = t;
  return true;
}

bool Reader::next(const Tlv& parent, std::size_t* cursor, Tlv* child, int depth) {
  if (*cursor >= parent.content_end) return false;
  if (!read(*cursor, parent.content_end, child, depth + 1)) return false;
  *cursor = child->end;
  return true;
}

bool Reader::append_octets(const Tlv& octets, std::string* out, int depth) {
  if (octets.tag == 0x04) {
    out->append(content(octets));
    return true;
  }
  if (octets.tag != 0x24) return fail("expected an OCTET STRING", octets.begin);
  if (depth > kMaxDepth) return fail("nested too deeply", octets.begin);
  std::size_t cursor = octets.content_begin;
  Tlv chunk;
  while (next(octets, &cursor, &chunk, depth)) {
    if (!append_octets(chunk, out, depth + 1)) return false;
  }
  return error_.empty();
}

}  // namespace cmdm::signer::ber
