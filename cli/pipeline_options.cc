// The options the pipeline commands share, each declared once.
#include "cli/pipeline_options.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <thread>

#include "compiler/compiler.h"
#include "compiler/expr.h"

namespace cmdm::cli {

void add_template_options(po::options_description& options, pipeline::TemplateInputs& inputs) {
  options.add_options()("vars", po::value(&inputs.vars_files)->composing(),
                        "template variables file: plist, JSON or YAML dict (repeatable)")(
      "facts", po::value(&inputs.facts_files)->composing(),
      "device facts file, seen by templates as facts.NAME (repeatable)")(
      "var", po::value(&inputs.vars)->composing(),
      "template variable NAME=TEXT or NAME:=JSON (repeatable; wins over --vars and --facts)");
}

void add_source_options(po::options_description& options, pipeline::SourceOptions& sources) {
  options.add_options()(
      "allow-invalid-signature", po::bool_switch(&sources.allow_invalid_signature),
      "read a signed source whose signature does not verify (changed after signing) with a "
      "warning instead of refusing it");
}

void add_optimizer_options(po::options_description& options, OptimizerArgs& args,
                           const char* target_help) {
  pipeline::Settings& s = args.settings;
  options.add_options()("target,t", po::value(&s.target), target_help)(
      "level,l", po::value(&s.level)->default_value("lossless"), "lossless | safe | aggressive")(
      "limit", po::value<std::int64_t>()->notifier([&s](std::int64_t limit) {
        // Parsed as signed so that "-5" is refused instead of wrapping to a huge limit.
        if (limit < 0) {
          throw po::error("--limit cannot be negative: " + std::to_string(limit));
        }
        s.limit = static_cast<std::size_t>(limit);
      }),
      "override the target's limit (characters or bytes it counts)")(
      "pass", po::value(&s.enable)->composing(), "also run this pass (repeatable)")(
      "no-pass", po::value(&s.disable)->composing(), "never run this pass (repeatable)")(
      "schemas", po::value(&s.schemas), "Apple device-management schema folder (or CMDM_SCHEMAS)");
  add_template_options(options, args.templates);
  add_source_options(options, args.sources);
}

std::string schemas_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("CMDM_SCHEMAS");
  return env ? env : "";
}

Result<std::shared_ptr<compiler::Schema>> open_schema(const std::string& dir) {
  if (dir.empty()) return std::shared_ptr<compiler::Schema>();
  return compiler::Schema::open(dir);
}

Result<pipeline::Prepared> prepare(OptimizerArgs& args) {
  args.settings.default_schemas = schemas_dir("");
  return pipeline::prepare(args.settings);
}

void add_jobs_option(po::options_description& options, unsigned& jobs) {
  jobs = std::max(1u, std::thread::hardware_concurrency());
  options.add_options()("jobs,j",
                        po::value<unsigned>(&jobs)->default_value(jobs)->notifier([](unsigned j) {
                          if (j == 0) throw po::error("--jobs must be at least 1");
                        }),
                        "sources processed at once (the output is the same for every value)");
}

bool LocalInstallArgs::local_allowed() const {
  // "10.15.7" is before "11": every 10.x release still installs profiles without a person.
  return allow_local ||
         (os == "macOS" && !os_version.empty() && compiler::compare_versions(os_version, "11") < 0);
}

void add_local_install_options(po::options_description& options, LocalInstallArgs& args) {
  options.add_options()(
      "allow-local", po::bool_switch(&args.allow_local),
      "route a part too large for the MDM even alone to local install (.mobileconfig) whatever "
      "the OS; without it only --os macOS:10.15 or older allows that")(
      "os", po::value<std::string>()->notifier([&args](const std::string& text) {
        compiler::ValidateOptions parsed;
        if (Status s = compiler::parse_os(text, parsed); !s) {
          throw po::error(s.error().diagnostics[0].message);
        }
        args.os = parsed.os;
        args.os_version = parsed.os_version;
      }),
      "platform and version of the devices, e.g. macOS:10.15 (default: macOS, any version); "
      "macOS older than 11 allows local install");
}

}  // namespace cmdm::cli
