// Exact sizes without encoding again: minimal XML is the concatenation of its elements' encodings,
// and every target counts a profile by a function of its length (or, for a target that sends the
// profile as escaped XML text, of its escaped length). So the count for a profile grown or shrunk
// by some entries follows from its measure plus theirs, each entry encoded once. The splitter and
// `explain` use this so their cost grows with the profile's size, not with its size squared.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "emitters/targets.h"
#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::optimizer {

class CountedLength {
 public:
  // Probes how `target` counts. A target whose count is neither a function of the length nor of a
  // per-byte sum gets an internal error: the incremental model would not be exact for it.
  static Result<CountedLength> for_target(const emitters::Target& target);

  // An additive measure of profile bytes: measure(a + b) == measure(a) + measure(b).
  std::size_t measure(std::string_view bytes) const;
  // What the target counts for a profile whose bytes measure `m`; equal to
  // target.command_size(bytes) for those bytes.
  std::size_t command_size(std::size_t m) const;

 private:
  explicit CountedLength(const emitters::Target& target) : target_(&target) {}
  const emitters::Target* target_;
  bool by_length_ = true;  // else: the count of the empty profile plus a per-byte sum
  std::size_t empty_ = 0;
  mutable std::string blank_;  // `m` spaces, to ask a length-counting target about a length
};

// The minimal-XML bytes of one dict entry (<key>…</key> and its value), as the writer emits it
// inside any dict.
std::string xml_entry(const std::string& key, const plist::Value& value);
// The minimal-XML bytes of one value (an array element).
std::string xml_element(const plist::Value& value);
// What a container's encoding changes by when it goes from empty to holding something: <dict/>
// becomes <dict></dict> around the entries (likewise for arrays).
std::string_view empty_form(plist::Type container);
std::string_view open_close_form(plist::Type container);

}  // namespace cmdm::optimizer
