// The variables and facts the compiler fuzz targets expand templates against: one of each type,
// so placeholders, comparisons, `in`, `each` and typed values all have something to find.
#pragma once

#include "compiler/compiler.h"

namespace cmdm::fuzz {

inline compiler::Context template_context() {
  compiler::Context context;
  context.set("team", plist::Value("ABCDE12345"));
  context.set("count", plist::Value(3));
  context.set("enabled", plist::Value(true));
  context.set("ratio", plist::Value(0.5));
  plist::Array ids;
  ids.push_back(plist::Value("A1"));
  ids.push_back(plist::Value("B2"));
  context.set("team_ids", plist::Value(std::move(ids)));
  context.set("facts.os_version", plist::Value("14.4.1"));
  context.set("facts.serial_number", plist::Value("C02XL0GZJGH5"));
  context.set("facts.arch", plist::Value("arm64"));
  return context;
}

// Compiles a source as the CLI would (identity filled in) and validates the result; every error
// must come back as a diagnostic that formats.
inline void compile_and_validate(std::string_view bytes, const std::string& name) {
  static const compiler::Context context = template_context();
  Result<compiler::CompiledProfile> compiled = compiler::compile_bytes(bytes, name, context);
  if (!compiled) {
    (void)compiled.error().format();
    return;
  }
  (void)format_diagnostics(compiled->warnings);
  compiler::ValidateOptions options;
  options.source = compiled->source.get();
  compiler::ValidationReport report = compiler::validate(compiled->profile, nullptr, options);
  (void)format_diagnostics(report.diagnostics);
}

}  // namespace cmdm::fuzz
