// The options that every command running the pipeline declares the same way: the template inputs
// (--vars, --facts, --var), the optimizer's (--target, --level, --limit, --pass, --no-pass,
// --schemas), local install (--allow-local, --os) and -j. Each is declared once, here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "compiler/schema.h"
#include "pipeline/context.h"
#include "pipeline/settings.h"
#include "pipeline/source.h"

namespace cmdm::cli {

// Adds --vars, --facts and --var (all repeatable), bound to `inputs`. Precedence is
// pipeline::make_context's: files first, --var last.
void add_template_options(po::options_description& options, pipeline::TemplateInputs& inputs);

// Adds --allow-invalid-signature, bound to `sources`: every command that reads sources (compile,
// validate, check, explain, optimize, split, build) takes it, so none reads a signed source that
// was changed after signing unless asked to.
void add_source_options(po::options_description& options, pipeline::SourceOptions& sources);

struct OptimizerArgs {
  pipeline::Settings settings;
  pipeline::TemplateInputs templates;
  pipeline::SourceOptions sources;
};

// Adds --target (described by `target_help`), --level, --limit (a negative limit is a usage
// error), --pass, --no-pass, --schemas, the template options and the source options, bound to
// `args`.
void add_optimizer_options(po::options_description& options, OptimizerArgs& args,
                           const char* target_help);

// pipeline::prepare with the default schema folder from $CMDM_SCHEMAS.
Result<pipeline::Prepared> prepare(OptimizerArgs& args);

// The schema folder: `flag` when given, else $CMDM_SCHEMAS, else empty (no schema). The one place
// that reads the variable.
std::string schemas_dir(const std::string& flag);

// compiler::Schema::open(dir), or no schema (null) when `dir` is empty.
Result<std::shared_ptr<compiler::Schema>> open_schema(const std::string& dir);

// Whether a part too large for the MDM's limit even alone may be routed to local install
// (`cmdm check`, `cmdm split`, `cmdm build`). Unattended local install (`profiles install`) works
// only up to macOS 10.15; since macOS 11 a person must approve the profile in System Settings, so
// by default such a part is undeliverable.
struct LocalInstallArgs {
  bool allow_local = false;  // --allow-local: route it local anyway (installed by hand)
  std::string os = "macOS";  // --os, as `cmdm validate` takes it ("macOS:10.15")
  std::string os_version;    // empty: any version
  // --allow-local, or --os naming macOS older than 11.
  bool local_allowed() const;
};

// Adds --allow-local and --os (a malformed --os is a usage error), bound to `args`.
void add_local_install_options(po::options_description& options, LocalInstallArgs& args);

// Adds -j/--jobs (default: the number of cores), bound to `jobs`.
void add_jobs_option(po::options_description& options, unsigned& jobs);

}  // namespace cmdm::cli
