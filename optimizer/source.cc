// Turns source bytes into a profile value with the compiler (which unwraps CMS and expands
// templates), keeping plain plists exactly as written.
#include "optimizer/source.h"

namespace cmdm::optimizer {

Result<Source> read_source(std::string_view bytes, const std::string& file_name,
                           const compiler::Context& context) {
  Source source;
  source.stored_bytes = bytes.size();
  compiler::CompileOptions options;
  options.fill_identity = false;
  Result<compiler::CompiledProfile> compiled = compiler::compile_bytes(bytes, file_name, context, options);
  if (!compiled) return compiled.error();
  const bool authored = compiled->templated || compiled->format == compiler::SourceFormat::kJson ||
                        compiled->format == compiler::SourceFormat::kYaml;
  if (authored) {
    Status filled = compiler::fill_identity(compiled->profile, false, compiled->source.get());
    if (!filled) return filled.error();
  }
  source.profile = std::move(compiled->profile);
  source.was_signed = compiled->format == compiler::SourceFormat::kCmsSigned;
  source.warnings = std::move(compiled->warnings);
  source.text = compiled->source;
  if (source.text && source.profile.is_dict()) {
    for (const plist::DictEntry& e : source.profile.as_dict()) {
      if (e.key == "PayloadIdentifier" && e.key_offset != plist::kNoOffset &&
          e.key_offset < source.text->text().size()) {
        source.identifier_line = source.text->position(e.key_offset).line;
      }
    }
  }
  return source;
}

Result<compiler::Context> make_context(const std::vector<std::string>& vars,
                                       const std::vector<std::string>& vars_files,
                                       const std::vector<std::string>& facts_files) {
  compiler::Context context;
  for (const std::string& f : vars_files) {
    Status s = compiler::add_vars_file(context, f);
    if (!s) return s.error();
  }
  for (const std::string& f : facts_files) {
    Status s = compiler::add_facts_file(context, f);
    if (!s) return s.error();
  }
  for (const std::string& v : vars) {
    Status s = compiler::add_var_assignment(context, v);
    if (!s) return s.error();
  }
  return context;
}

}  // namespace cmdm::optimizer
