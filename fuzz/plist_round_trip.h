// The round-trip invariant of the plist writers, shared by the XML and binary reader targets:
// what a reader returns, the minimal XML and binary writers write and the readers read back equal.
#pragma once

#include <cmath>
#include <string>

#include "fuzz/fuzz_util.h"
#include "plist/reader.h"
#include "plist/value.h"
#include "plist/writer.h"

namespace cmdm::fuzz {

// True when a string or key holds a control character XML 1.0 cannot carry (below U+0020 other
// than TAB, LF, CR). The XML writer copies those raw, as CoreFoundation does, and the XML reader
// refuses them (docs/plist.md), so such a value has no XML round trip by design.
inline bool has_xml_unsafe_text(const plist::Value& value) {
  auto unsafe = [](const std::string& s) {
    for (unsigned char c : s) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return true;
    }
    return false;
  };
  if (value.is_string()) return unsafe(value.as_string());
  if (value.is_array()) {
    for (const plist::Value& item : value.as_array()) {
      if (has_xml_unsafe_text(item)) return true;
    }
  }
  if (value.is_dict()) {
    for (const plist::DictEntry& entry : value.as_dict()) {
      if (unsafe(entry.key) || has_xml_unsafe_text(entry.value)) return true;
    }
  }
  return false;
}

// Deep equality as plist::Value's ==, except that dates may differ by less than `date_tolerance`
// seconds (at most): binary output keeps microseconds and XML whole seconds (docs/plist.md), so a
// date read with a finer fraction comes back rounded, by design. `where` receives the key path of
// the first difference.
inline bool same_value(const plist::Value& a, const plist::Value& b, double date_tolerance,
                       std::string* where, const std::string& path = "") {
  *where = path.empty() ? "(root)" : path;
  if (a.type() != b.type()) return false;
  if (a.is_date()) {
    return std::fabs(a.as_date().seconds_since_2001 - b.as_date().seconds_since_2001) <=
           date_tolerance;
  }
  if (a.is_array()) {
    const plist::Array& x = a.as_array();
    const plist::Array& y = b.as_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!same_value(x[i], y[i], date_tolerance, where, path + "[" + std::to_string(i) + "]")) {
        return false;
      }
    }
    return true;
  }
  if (a.is_dict()) {
    if (a.as_dict().size() != b.as_dict().size()) return false;
    for (const plist::DictEntry& entry : a.as_dict()) {
      const plist::Value* other = b.as_dict().find(entry.key);
      std::string child = path.empty() ? entry.key : path + "." + entry.key;
      if (!other) {
        *where = child + " (missing)";
        return false;
      }
      if (!same_value(entry.value, *other, date_tolerance, where, child)) return false;
    }
    return true;
  }
  return a == b;
}

inline void check_round_trips(const plist::Value& root) {
  Result<std::string> binary = plist::write_binary(root);
  if (binary) {
    Result<plist::Document> back = plist::read_binary(*binary);
    require(back.ok(), "the binary writer's output reads back",
            back.ok() ? "" : back.error().format());
    std::string where;
    require(same_value(root, back->root, 1.5e-6, &where), "binary round trip keeps the value",
            "first difference at " + where);
  }
  if (has_xml_unsafe_text(root)) return;
  Result<plist::Document> xml = plist::read_xml(plist::write_minimal_xml(root));
  require(xml.ok(), "the minimal XML writer's output reads back",
          xml.ok() ? "" : xml.error().format());
  std::string where;
  require(same_value(root, xml->root, 1.0, &where), "XML round trip keeps the value",
          "first difference at " + where);
  (void)plist::write_pretty_xml(root);
}

}  // namespace cmdm::fuzz
