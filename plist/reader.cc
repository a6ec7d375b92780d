// Format detection and the read() entry point: looks at the leading bytes and hands the input to
// the XML or binary reader, or says that a CMS-signed profile must be unwrapped first.
#include "plist/reader.h"

#include <cstdint>

namespace cmdm::plist {

std::string_view format_name(Format format) {
  switch (format) {
    case Format::kXml:
      return "xml";
    case Format::kBinary:
      return "binary";
    case Format::kCmsSigned:
      return "cms-signed";
    case Format::kUnknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

// DER of OBJECT IDENTIFIER 1.2.840.113549.1.7.2 (pkcs7-signedData).
constexpr std::uint8_t kSignedDataOid[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                           0xF7, 0x0D, 0x01, 0x07, 0x02};

// A CMS ContentInfo is SEQUENCE { contentType OID, [0] content }: the OID follows the SEQUENCE
// header, whose length is short form, long form (1-4 bytes) or BER's indefinite 0x80.
bool is_cms_signed(std::string_view bytes) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t n = bytes.size();
  if (n < 2 || p[0] != 0x30) return false;
  std::size_t header;
  if (p[1] < 0x80) {
    header = 2;
  } else if (p[1] == 0x80) {
    header = 2;
  } else if (p[1] <= 0x84) {
    header = 2 + (p[1] & 0x7F);
  } else {
    return false;
  }
  if (n < header + sizeof kSignedDataOid) return false;
  for (std::size_t i = 0; i < sizeof kSignedDataOid; ++i) {
    if (p[header + i] != kSignedDataOid[i]) return false;
  }
  return true;
}

}  // namespace

std::string nul_character_message(bool in_key) {
  return std::string(in_key ? "a key" : "a string") +
         " holds a NUL character (U+0000), which an XML property list cannot hold";
}

std::string printable_key(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '\0') {
      out += "\\0";
    } else {
      out += c;
    }
  }
  return out;
}

Format sniff_format(std::string_view bytes) {
  // "bplist" covers bplist00 and the later versions, which the binary reader then names.
  if (bytes.starts_with("bplist")) return Format::kBinary;
  if (is_cms_signed(bytes)) return Format::kCmsSigned;
  return Format::kXml;
}

Result<Document> read(std::string_view bytes, const ReadOptions& options) {
  switch (sniff_format(bytes)) {
    case Format::kCmsSigned:
      return Error::make(ExitCode::kDataError, source_name(options),
                         "this is a CMS-signed profile (PKCS#7 SignedData); unwrap it first with "
                         "'cmdm unwrap'");
    case Format::kBinary:
      return read_binary(bytes, options);
    default:
      return read_xml(bytes, options);
  }
}

}  // namespace cmdm::plist
