// How a profile is turned into bytes: minimal XML (with or without its header, with or without the
// <plist> element) or binary. The optimizer chooses the encoding per level; the size model measures
// it.
#pragma once

#include <string>

#include "emitters/vocabulary.h"
#include "plist/diagnostic.h"
#include "plist/value.h"
#include "plist/writer.h"

namespace cmdm::optimizer {

struct Encoding {
  using Format = emitters::Format;
  Format format = Format::kXml;
  plist::XmlOptions xml;  // used when format is kXml

  // "xml", "xml without declaration and DOCTYPE", "bare xml dict", "binary", for reports.
  std::string describe() const;
  friend bool operator==(const Encoding& a, const Encoding& b) {
    return a.format == b.format &&
           (a.format == Format::kBinary ||
            (a.xml.declaration == b.xml.declaration && a.xml.doctype == b.xml.doctype &&
             a.xml.plist_element == b.xml.plist_element));
  }
};

// The lossless starting point: minimal XML with the declaration, DOCTYPE and <plist> element.
inline Encoding minimal_xml_encoding() { return Encoding{}; }

// The profile's bytes in `encoding`. Fails only when the binary writer refuses the value.
Result<std::string> encode(const plist::Value& profile, const Encoding& encoding);

}  // namespace cmdm::optimizer
