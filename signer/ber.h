// Internal to signer/: a small bounds-checked BER/DER reader. Unwrapping needs only the attached
// content and the signer's name, so it walks the SignedData itself instead of decoding every
// certificate (OpenSSL 3 spends most of a full decode on public keys unwrap never uses).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cmdm::signer::ber {

// One tag-length-value. Lengths may be indefinite (BER); `content_end` then points at the
// end-of-contents octets and `end` just past them.
struct Tlv {
  unsigned char tag = 0;  // the identifier octet (low tag numbers only; CMS uses no others)
  std::size_t begin = 0;
  std::size_t content_begin = 0;
  std::size_t content_end = 0;
  std::size_t end = 0;
  bool constructed() const { return (tag & 0x20) != 0; }
  std::size_t content_size() const { return content_end - content_begin; }
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  // Reads the element at `pos`, which must end by `limit`. False with error() set when malformed.
  bool read(std::size_t pos, std::size_t limit, Tlv* out, int depth = 0);
  // The next child of `parent` at *cursor (start it at parent.content_begin); false at the end
  // (error() empty) or on malformed input (error() set).
  bool next(const Tlv& parent, std::size_t* cursor, Tlv* child, int depth = 0);
  // Appends an OCTET STRING's value, primitive or constructed from chunks (BER).
  bool append_octets(const Tlv& octets, std::string* out, int depth = 0);

  std::string_view bytes(const Tlv& t) const { return bytes_.substr(t.begin, t.end - t.begin); }
  std::string_view content(const Tlv& t) const {
    return bytes_.substr(t.content_begin, t.content_size());
  }
  const std::string& error() const { return error_; }

 private:
  bool fail(std::string message, std::size_t at);
  std::string_view bytes_;
  std::string error_;
};

}  // namespace cmdm::signer::ber
