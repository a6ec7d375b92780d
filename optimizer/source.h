// Reading a profile source for the optimizer commands: a plist file (XML or binary), or a signed
// one, which is unwrapped (its signature cannot survive optimization anyway).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::optimizer {

struct Source {
  plist::Value profile;
  std::size_t stored_bytes = 0;  // the file as given
  bool was_signed = false;
  std::vector<Diagnostic> warnings;
  std::shared_ptr<const SourceText> text;  // the plist text, for line numbers (null for binary)
  // The 1-based line of the top-level PayloadIdentifier key (1 when unknown), for annotations.
  int identifier_line = 1;
};

Result<Source> read_source(std::string_view bytes, const std::string& file_name);

}  // namespace cmdm::optimizer
