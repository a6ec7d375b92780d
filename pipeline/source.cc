// Turns source bytes into a profile value with the compiler (which unwraps CMS and expands
// templates) and checks that it is a profile at all.
#include "pipeline/source.h"

namespace cmdm::pipeline {

namespace {

// The line of the top-level PayloadIdentifier key, for annotations (GitHub, SARIF).
int identifier_line(const Source& source) {
  if (!source.text || !source.profile.is_dict()) return 1;
  for (const plist::DictEntry& e : source.profile.as_dict()) {
    if (e.key == "PayloadIdentifier" && e.key_offset != plist::kNoOffset &&
        e.key_offset < source.text->text().size()) {
      return source.text->position(e.key_offset).line;
    }
  }
  return 1;
}

}  // namespace

Result<std::vector<std::string>> expand_source_paths(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    Result<std::vector<std::string>> files = compiler::expand_sources(arg);
    if (!files) return files.error();
    out.insert(out.end(), files->begin(), files->end());
  }
  return out;
}

Result<Source> read_source(std::string_view bytes, const std::string& file_name,
                           const compiler::Context& context, const SourceOptions& options) {
  Source source;
  source.stored_bytes = bytes.size();
  compiler::CompileOptions compile;
  compile.allow_invalid_signature = options.allow_invalid_signature;
  compile.fill_identity = !options.keep_plain_as_written;
  Result<compiler::CompiledProfile> compiled =
      compiler::compile_bytes(bytes, file_name, context, compile);
  if (!compiled) return compiled.error();
  const bool authored = compiled->templated || compiled->format == compiler::SourceFormat::kJson ||
                        compiled->format == compiler::SourceFormat::kYaml;
  if (!compile.fill_identity && authored) {
    Status filled = compiler::fill_identity(compiled->profile, false, compiled->source.get());
    if (!filled) return filled.error();
  }
  // With identity filled, the top level is a dict with a PayloadIdentifier.
  source.profile = std::move(compiled->profile);
  source.was_signed = compiled->format == compiler::SourceFormat::kCmsSigned;
  source.warnings = std::move(compiled->warnings);
  source.text = compiled->source;
  source.identifier_line = identifier_line(source);
  return source;
}

}  // namespace cmdm::pipeline
