// Reading a profile source for the optimizer commands through the compiler: a plist (XML or
// binary), a signed one (unwrapped: its signature cannot survive optimization anyway), or a JSON,
// YAML or templated source expanded with the given variables.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/compiler.h"
#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::optimizer {

struct Source {
  plist::Value profile;
  std::size_t stored_bytes = 0;  // the file as given
  bool was_signed = false;
  std::vector<Diagnostic> warnings;
  std::shared_ptr<const SourceText> text;  // the source text, for line numbers
  // The 1-based line of the top-level PayloadIdentifier key (1 when unknown), for annotations.
  int identifier_line = 1;
};

// A plain plist keeps exactly its value (identity is not filled: lossless means no change);
// JSON, YAML and templated sources get the compiler's identity filling, as `cmdm build` does.
Result<Source> read_source(std::string_view bytes, const std::string& file_name,
                           const compiler::Context& context = {});

// The template context from `--var` assignments and `--vars` / `--facts` files.
Result<compiler::Context> make_context(const std::vector<std::string>& vars,
                                       const std::vector<std::string>& vars_files,
                                       const std::vector<std::string>& facts_files);

}  // namespace cmdm::optimizer
