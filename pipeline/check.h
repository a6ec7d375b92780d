// `cmdm check` as library code: does each source fit the target's limit at the chosen level, by
// how much, and into how many deliverable parts would it split. The CLI only formats the rows.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "optimizer/optimizer.h"
#include "pipeline/source.h"
#include "plist/diagnostic.h"

namespace cmdm::pipeline {

struct CheckOptions {
  optimizer::OptimizeOptions optimize;  // target, level, limit, passes, schema
  bool local_allowed = false;           // as BuildOptions::local_allowed
  compiler::Context context;
  SourceOptions sources;  // how sources are read (`--allow-invalid-signature`)
};

struct CheckRow {
  std::string file;
  std::string identifier;
  std::optional<Error> error;        // the source could not be read or optimized
  std::vector<Diagnostic> warnings;  // from reading the source (a dropped signature, ...)
  std::size_t bytes_in = 0;          // the source as stored
  std::size_t bytes_out = 0;         // the optimized profile
  std::size_t command_size = 0;
  std::size_t limit = 0;  // 0 = none
  int line = 1;           // of the top-level PayloadIdentifier, for annotations
  bool fits = false;
  std::size_t parts = 0;  // 1 when it fits whole; the split's part count otherwise; 0 on error
  std::size_t undeliverable = 0;  // parts the routing rule does not send through the MDM
  // Why the target's vendor refuses the profile (or its first refused part) outright, whatever
  // its size (emitters::Target::refusal: Fleet's FileVault and reserved-name screens); empty when
  // the vendor takes it. Such a profile does not pass the check even when it fits.
  std::string refusal;
  bool passes() const { return !error && fits && refusal.empty(); }
};

// One row per file, in order. Files are read here (pipeline/source.h); errors stay in their row.
std::vector<CheckRow> check(const std::vector<std::string>& files, const CheckOptions& options);

}  // namespace cmdm::pipeline
