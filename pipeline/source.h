// Reading profile sources for every command that takes them (build, split, check, explain,
// optimize and, next, apply): arguments expanded to files, bytes read, and each source turned into
// a profile value by the compiler (CMS unwrapped, templates expanded, identity filled).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/compiler.h"
#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::pipeline {

// One source as bytes, with the name it was given by.
struct SourceInput {
  std::string path;
  std::string bytes;
};

struct Source {
  plist::Value profile;
  std::size_t stored_bytes = 0;  // the file as given
  bool was_signed = false;
  std::vector<Diagnostic> warnings;
  std::shared_ptr<const SourceText> text;  // the source text, for line numbers
  // The 1-based line of the top-level PayloadIdentifier key (1 when unknown), for annotations.
  int identifier_line = 1;
};

// Expands source arguments: a file stays itself, a directory lists its sources
// (compiler::expand_sources: *.mobileconfig, *.plist, *.json, *.yaml, *.yml; not recursive),
// sorted bytewise. Every command that takes sources expands them this way.
Result<std::vector<std::string>> expand_source_paths(const std::vector<std::string>& args);

// How sources are read; the same for every command (cli/pipeline_options.h declares the options).
struct SourceOptions {
  // Read a CMS-signed source whose signature does not verify (changed after signing), with a
  // warning, instead of refusing it (compiler::CompileOptions::allow_invalid_signature).
  bool allow_invalid_signature = false;
  // Keep a plain plist (XML, binary, signed; no template syntax) exactly as written, identity not
  // filled: `cmdm optimize` at `lossless` changes no key or value. Templated, JSON and YAML sources
  // are authored for cmdm and always get their identity. Every other command fills it, so `check`
  // measures what `build` delivers.
  bool keep_plain_as_written = false;
};

// Turns source bytes into the profile that every command works on: the top level must be a dict
// with a PayloadIdentifier; what identity the source lacks (PayloadUUID, PayloadVersion, payload
// identifiers) is filled as docs/templates.md "Identity" says, so `check` measures exactly what
// `build` delivers. A complete profile is kept exactly as written. A signed source must verify
// unless options.allow_invalid_signature (compiler::compile_bytes).
Result<Source> read_source(std::string_view bytes, const std::string& file_name,
                           const compiler::Context& context = {},
                           const SourceOptions& options = {});

}  // namespace cmdm::pipeline
