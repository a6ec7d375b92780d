// Reading property lists: XML (pugixml) and binary (libplist), chosen from the bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::plist {

enum class Format { kXml, kBinary, kCmsSigned, kUnknown };
std::string_view format_name(Format format);  // "xml", "binary", "cms-signed", "unknown"

// Documented input limits (README "Limits"): larger input or deeper nesting is rejected.
inline constexpr std::size_t kMaxInputBytes = 64u * 1024 * 1024;
inline constexpr int kMaxDepth = 128;

struct ReadOptions {
  std::string file_name;  // used in diagnostics; "-" or empty for standard input
  std::size_t max_bytes = kMaxInputBytes;
  int max_depth = kMaxDepth;
};

// The file name diagnostics show: file_name, or "<stdin>" for standard input.
inline std::string source_name(const ReadOptions& options) {
  return options.file_name.empty() || options.file_name == "-" ? "<stdin>" : options.file_name;
}

// A parsed plist: the root value, the format it came in, warnings (duplicate keys, ...), and the
// source text so later stages can turn a Value::offset() into file:line:col.
struct Document {
  Value root;
  Format format = Format::kUnknown;
  std::vector<Diagnostic> warnings;
  std::shared_ptr<const SourceText> source;
};

// What read_xml refuses in the characters of a document, without reading it as a plist:
// malformed UTF-8, characters XML 1.0 forbids (control characters other than tab, LF and CR;
// NUL before the padding at the end), and in text a bare '&', an unknown entity or a character
// reference to a forbidden character (&#0;). The template loader, which reads XML with pugixml's
// own decoding, runs it first, so XML that uses templates is refused for the same bytes with
// the same message.
Status check_xml_characters(const SourceText& source);

// U+0000 inside a string or key: XML cannot write it in any spelling (not even &#0;), so a value
// holding one would become a plist that neither cmdm nor CoreFoundation reads back. Every reader
// (XML, binary, JSON, YAML) refuses it when reading, with this wording: "a string holds a NUL
// character (U+0000), ..." or "a key holds ...".
std::string nul_character_message(bool in_key);
// A key as a key path shows it, with each NUL written \0 so the diagnostic stays readable text.
std::string printable_key(std::string_view key);

// Guesses the format from the leading bytes: "bplist00" → binary; a DER/BER SEQUENCE holding the
// pkcs7-signedData OID → CMS; otherwise XML.
Format sniff_format(std::string_view bytes);

// Reads XML or binary. CMS-signed input is rejected with a clear error that says to unwrap it
// (`cmdm unwrap`); the signer library does the unwrapping.
Result<Document> read(std::string_view bytes, const ReadOptions& options = {});
Result<Document> read_xml(std::string_view bytes, const ReadOptions& options = {});
Result<Document> read_binary(std::string_view bytes, const ReadOptions& options = {});

}  // namespace cmdm::plist
