// Writing property lists: minimal XML, Apple-style pretty XML, and binary (bplist00).
#pragma once

#include <string>

#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::plist {

struct XmlOptions {
  bool declaration = true;    // <?xml version="1.0" encoding="UTF-8"?>
  bool doctype = true;        // <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" ...>
  bool plist_element = true;  // <plist version="1.0">…</plist> around the root
};

// The smallest correct XML: no whitespace between elements, only the escapes XML requires
// (&amp; &lt; and > after "]]"), <true/>/<false/>, <string/> for "", base64 without line breaks,
// reals in shortest round-trip form, dates as YYYY-MM-DDTHH:MM:SSZ.
std::string write_minimal_xml(const Value& root, const XmlOptions& options = {});

// XML in Apple's style (tabs, the standard header, as CoreFoundation and `plutil` write it), so
// diffs against Apple-written files stay small.
std::string write_pretty_xml(const Value& root);

// Binary property list (bplist00).
Result<std::string> write_binary(const Value& root);

}  // namespace cmdm::plist
