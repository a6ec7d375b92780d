// `cmdm compile`: profile sources (plist, JSON, YAML, templates) in, complete profiles out.
#include <filesystem>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/pipeline_options.h"
#include "compiler/compiler.h"
#include "pipeline/source.h"
#include "plist/file_io.h"
#include "plist/writer.h"

namespace cmdm::cli {

namespace {

struct CompileArgs {
  std::vector<std::string> sources;
  pipeline::TemplateInputs templates;
  pipeline::SourceOptions sources_read;
  std::string out, style = "pretty", schemas, os;
  bool stable_uuids = false;
};

// What every source compiles to, before anything is written (so a failure writes nothing).
struct Outputs {
  std::vector<std::pair<std::string, std::string>> files;  // path, bytes
  int status = 0;
};

// Compiles and validates each file; with `to_dir`, each lands at OUT/<stem>.mobileconfig.
Outputs compile_all(const CompileArgs& a, const std::vector<std::string>& files, bool to_dir,
                    const compiler::Context& context, const compiler::Schema* schema,
                    compiler::ValidateOptions vopts) {
  namespace fs = std::filesystem;
  Outputs out;
  std::map<std::string, std::string> taken;  // output name -> source
  for (const std::string& file : files) {
    compiler::CompileOptions copts;
    copts.stable_uuids = a.stable_uuids;
    copts.allow_invalid_signature = a.sources_read.allow_invalid_signature;
    Result<compiler::CompiledProfile> compiled = compiler::compile_file(file, context, copts);
    if (!compiled) {
      out.status = report(compiled.error());
      continue;
    }
    std::cerr << format_diagnostics(compiled->warnings);
    vopts.source = compiled->source.get();
    compiler::ValidationReport r = compiler::validate(compiled->profile, schema, vopts);
    std::cerr << format_diagnostics(r.diagnostics);
    if (!r.ok()) {
      if (out.status == 0) out.status = static_cast<int>(ExitCode::kCheckFailed);
      continue;
    }
    std::string bytes = a.style == "minimal" ? plist::write_minimal_xml(compiled->profile)
                                             : plist::write_pretty_xml(compiled->profile);
    std::string path = a.out;
    if (to_dir) {
      std::string name = fs::path(file).stem().string() + ".mobileconfig";
      if (auto [it, inserted] = taken.emplace(name, file); !inserted) {
        out.status = report(Error::make(ExitCode::kUsage, file,
                                        "compiles to " + name + ", as " + it->second + " does"));
        continue;
      }
      path = (fs::path(a.out) / name).string();
    }
    out.files.emplace_back(path, std::move(bytes));
  }
  return out;
}

int write_all(const CompileArgs& a, const Outputs& outputs, bool to_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (to_dir && !fs::is_directory(a.out, ec) && !fs::create_directories(a.out, ec) && ec) {
    return report(
        Error::make(ExitCode::kIoError, a.out, "cannot create directory: " + ec.message()));
  }
  for (const auto& [path, bytes] : outputs.files) {
    if (Status s = write_file_atomic(path, bytes); !s) return report(s.error());
  }
  return 0;
}

}  // namespace

int run_compile(const Args& args) {
  CompileArgs a;
  po::options_description options("compile options");
  options.add_options()("output,o", po::value(&a.out),
                        "output file (one source) or directory (several); '-' = stdout")(
      "style", po::value(&a.style), "pretty (Apple style, default) or minimal")(
      "stable-uuids", po::bool_switch(&a.stable_uuids),
      "regenerate every PayloadUUID deterministically")(
      "schemas", po::value(&a.schemas),
      "Apple device-management checkout (default: $CMDM_SCHEMAS)")(
      "os", po::value(&a.os), "target platform for validation, e.g. macOS:14.0")(
      "sources", po::value(&a.sources), "source files or directories");
  add_template_options(options, a.templates);
  add_source_options(options, a.sources_read);
  po::positional_options_description positional;
  positional.add("sources", -1);
  po::variables_map vm;
  if (auto code = parse_options("compile",
                                "SRC... [--vars F] [--var k=v] [--facts F] "
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
  Result<std::vector<std::string>> files = pipeline::expand_source_paths(a.sources);
  if (!files) return report(files.error());
  std::error_code ec;
  const bool to_dir = files->size() > 1 || a.sources.size() > 1 ||
                      std::filesystem::is_directory(a.sources[0], ec) ||
                      (!a.out.empty() && std::filesystem::is_directory(a.out, ec));
  if (a.out.empty()) {
    if (to_dir) return usage_error("compile", "several sources need -o DIRECTORY");
    a.out = "-";
  }
  if (to_dir && a.out == "-") return usage_error("compile", "several sources cannot go to stdout");
  Outputs outputs = compile_all(a, *files, to_dir, *context, schema->get(), vopts);
  if (outputs.status != 0) return outputs.status;
  return write_all(a, outputs, to_dir);
}

}  // namespace cmdm::cli
