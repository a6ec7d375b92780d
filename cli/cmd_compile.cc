// `cmdm compile`: profile sources (plist, JSON, YAML, templates) in, complete profiles out.
#include <filesystem>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/pipeline_options.h"
#include "pipeline/source.h"
#include "compiler/compiler.h"
#include "plist/file_io.h"
#include "plist/writer.h"

namespace cmdm::cli {

namespace {

struct CompileArgs {
  std::vector<std::string> sources;
  pipeline::TemplateInputs templates;
  std::string out, style = "pretty", schemas, os;
  bool stable_uuids = false;
};

}  // namespace

int run_compile(const Args& args) {
  CompileArgs a;
  po::options_description options("compile options");
  options.add_options()
      ("output,o", po::value(&a.out), "output file (one source) or directory (several); '-' = stdout")
      ("style", po::value(&a.style), "pretty (Apple style, default) or minimal")
      ("stable-uuids", po::bool_switch(&a.stable_uuids), "regenerate every PayloadUUID deterministically")
      ("schemas", po::value(&a.schemas), "Apple device-management checkout (default: $CMDM_SCHEMAS)")
      ("os", po::value(&a.os), "target platform for validation, e.g. macOS:14.0")
      ("sources", po::value(&a.sources), "source files or directories");
  add_template_options(options, a.templates);
  po::positional_options_description positional;
  positional.add("sources", -1);
  po::variables_map vm;
  if (auto code = parse_options("compile", "SRC... [--vars F] [--var k=v] [--facts F] "
                                "[--style pretty|minimal] [--stable-uuids] -o OUT",
                                options, positional, args, vm)) {
    return *code;
  }
  if (a.sources.empty()) return usage_error("compile", "no sources");
  if (a.style != "pretty" && a.style != "minimal") {
    return usage_error("compile", "--style takes pretty or minimal, not '" + a.style + "'");
  }
  Result<compiler::Context> context = pipeline::make_context(a.templates);
  if (!context) return report("compile", context.error());
  compiler::ValidateOptions vopts;
  if (!a.os.empty()) {
    if (Status s = compiler::parse_os(a.os, vopts); !s) {
      return usage_error("compile", s.error().diagnostics.front().message);
    }
  }
  Result<std::shared_ptr<compiler::Schema>> schema = open_schema(schemas_dir(a.schemas));
  if (!schema) return report(schema.error());

  Result<std::vector<std::string>> expanded = pipeline::expand_source_paths(a.sources);
  if (!expanded) return report(expanded.error());
  const std::vector<std::string>& files = *expanded;
  namespace fs = std::filesystem;
  std::error_code ec;
  bool to_dir = files.size() > 1 || a.sources.size() > 1 || fs::is_directory(a.sources[0], ec) ||
                (!a.out.empty() && fs::is_directory(a.out, ec));
  if (a.out.empty()) {
    if (to_dir) return usage_error("compile", "several sources need -o DIRECTORY");
    a.out = "-";
  }
  if (to_dir && a.out == "-") return usage_error("compile", "several sources cannot go to stdout");

  // Compile and validate everything first, so a failure writes nothing.
  std::vector<std::pair<std::string, std::string>> outputs;  // path, bytes
  std::map<std::string, std::string> taken;                  // output name → source
  int status = 0;
  for (const std::string& file : files) {
    compiler::CompileOptions copts;
    copts.stable_uuids = a.stable_uuids;
    Result<compiler::CompiledProfile> compiled = compiler::compile_file(file, *context, copts);
    if (!compiled) {
      status = report(compiled.error());
      continue;
    }
    std::cerr << format_diagnostics(compiled->warnings);
    vopts.source = compiled->source.get();
    compiler::ValidationReport r = compiler::validate(compiled->profile, schema->get(), vopts);
    std::cerr << format_diagnostics(r.diagnostics);
    if (!r.ok()) {
      if (status == 0) status = static_cast<int>(ExitCode::kCheckFailed);
      continue;
    }
    std::string bytes = a.style == "minimal" ? plist::write_minimal_xml(compiled->profile)
                                             : plist::write_pretty_xml(compiled->profile);
    std::string path = a.out;
    if (to_dir) {
      std::string name = fs::path(file).stem().string() + ".mobileconfig";
      if (auto [it, inserted] = taken.emplace(name, file); !inserted) {
        status = report(Error::make(ExitCode::kUsage, file,
                                    "compiles to " + name + ", as " + it->second + " does"));
        continue;
      }
      path = (fs::path(a.out) / name).string();
    }
    outputs.emplace_back(path, std::move(bytes));
  }
  if (status != 0) return status;
  if (to_dir && !fs::is_directory(a.out, ec) && !fs::create_directories(a.out, ec) && ec) {
    return report(Error::make(ExitCode::kIoError, a.out, "cannot create directory: " + ec.message()));
  }
  for (const auto& [path, bytes] : outputs) {
    if (Status s = write_file_atomic(path, bytes); !s) return report(s.error());
  }
  return 0;
}

}  // namespace cmdm::cli
