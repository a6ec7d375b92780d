// `cmdm validate`: structural and Apple-schema checks of profiles, as written (no identity filled).
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/pipeline_options.h"
#include "compiler/compiler.h"
#include "pipeline/source.h"

namespace cmdm::cli {

namespace {

nlohmann::json to_json(const Diagnostic& d) {
  const char* severity = d.severity == Severity::kError     ? "error"
                         : d.severity == Severity::kWarning ? "warning"
                                                            : "note";
  return {{"severity", severity},
          {"line", d.line},
          {"column", d.column},
          {"key_path", d.key_path},
          {"message", d.message}};
}

}  // namespace

int run_validate(const Args& args) {
  std::vector<std::string> sources;
  pipeline::TemplateInputs templates;
  pipeline::SourceOptions sources_read;
  std::string schemas, os;
  bool allow_short = false;
  po::options_description options("validate options");
  options.add_options()("json", "print a JSON array, one object per file")(
      "schemas", po::value(&schemas), "Apple device-management checkout (default: $CMDM_SCHEMAS)")(
      "os", po::value(&os), "target platform and version, e.g. macOS:14.0 (default: macOS)")(
      "allow-short-uuids", po::bool_switch(&allow_short), "accept PayloadUUIDs that are not UUIDs")(
      "sources", po::value(&sources), "profiles or directories");
  add_template_options(options, templates);
  add_source_options(options, sources_read);
  po::positional_options_description positional;
  positional.add("sources", -1);
  po::variables_map vm;
  if (auto code = parse_options("validate", "SRC... [--json] [--schemas DIR] [--os macOS:14.0]",
                                options, positional, args, vm)) {
    return *code;
  }
  if (sources.empty()) return usage_error("validate", "no sources");
  compiler::ValidateOptions vopts;
  vopts.allow_nonstandard_uuids = allow_short;
  if (!os.empty()) {
    if (Status s = compiler::parse_os(os, vopts); !s) {
      return usage_error("validate", s.error().diagnostics.front().message);
    }
  }
  Result<compiler::Context> context = pipeline::make_context(templates);
  if (!context) return report("validate", context.error());
  Result<std::shared_ptr<compiler::Schema>> schema = open_schema(schemas_dir(schemas));
  if (!schema) return report(schema.error());
  bool json = vm.count("json") > 0;
  if (!*schema && !json) {
    std::cerr << "note: no schema (--schemas DIR or CMDM_SCHEMAS): structural checks only\n";
  }

  Result<std::vector<std::string>> expanded = pipeline::expand_source_paths(sources);
  if (!expanded) return report(expanded.error());
  const std::vector<std::string>& files = *expanded;
  bool any_errors = false;
  int unreadable = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& file : files) {
    compiler::CompileOptions copts;
    copts.fill_identity = false;
    copts.allow_invalid_signature = sources_read.allow_invalid_signature;
    Result<compiler::CompiledProfile> compiled = compiler::compile_file(file, *context, copts);
    nlohmann::json j = {{"file", file}};
    if (!compiled) {
      unreadable = static_cast<int>(compiled.error().code);
      if (json) {
        j["ok"] = false;
        j["unreadable"] = true;
        j["diagnostics"] = nlohmann::json::array();
        for (const Diagnostic& d : compiled.error().diagnostics)
          j["diagnostics"].push_back(to_json(d));
        all.push_back(j);
      } else {
        report(compiled.error());
      }
      continue;
    }
    vopts.source = compiled->source.get();
    compiler::ValidationReport r = compiler::validate(compiled->profile, schema->get(), vopts);
    std::vector<Diagnostic> diagnostics = compiled->warnings;
    diagnostics.insert(diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
    any_errors = any_errors || !r.ok();
    if (json) {
      j["ok"] = r.ok();
      j["errors"] = r.errors;
      j["warnings"] = r.warnings + static_cast<int>(compiled->warnings.size());
      j["diagnostics"] = nlohmann::json::array();
      for (const Diagnostic& d : diagnostics) j["diagnostics"].push_back(to_json(d));
      all.push_back(j);
      continue;
    }
    std::cout << format_diagnostics(diagnostics);
    std::cout << file << ": "
              << (r.ok() ? "ok"
                         : std::to_string(r.errors) + (r.errors == 1 ? " error" : " errors"));
    int warnings = r.warnings + static_cast<int>(compiled->warnings.size());
    if (warnings) std::cout << ", " << warnings << (warnings == 1 ? " warning" : " warnings");
    std::cout << '\n';
  }
  if (json) std::cout << all.dump(2) << '\n';
  if (unreadable) return unreadable;
  return any_errors ? static_cast<int>(ExitCode::kCheckFailed) : 0;
}

}  // namespace cmdm::cli
