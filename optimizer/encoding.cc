// Encodes a profile with the plist writers; the only place the optimizer turns values into bytes.
#include "optimizer/encoding.h"

namespace cmdm::optimizer {

std::string Encoding::describe() const {
  if (format == Format::kBinary) return "binary";
  if (!xml.plist_element) return "bare xml dict";
  if (!xml.declaration && !xml.doctype) return "xml without declaration and DOCTYPE";
  if (!xml.declaration) return "xml without declaration";
  if (!xml.doctype) return "xml without DOCTYPE";
  return "xml";
}

Result<std::string> encode(const plist::Value& profile, const Encoding& encoding) {
  if (encoding.format == Encoding::Format::kBinary) return plist::write_binary(profile);
  return plist::write_minimal_xml(profile, encoding.xml);
}

}  // namespace cmdm::optimizer
