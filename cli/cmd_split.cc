// `cmdm split`: divides profiles whose command does not fit the target into parts that do, and
// writes the parts and a manifest that maps every part back to its source profile. It runs the
// build pipeline for one target without command bodies, so its parts are `cmdm build`'s, byte for
// byte, and its output directory is written the same way (docs/build.md).
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/pipeline_options.h"
#include "cli/progress.h"
#include "cli/table.h"
#include "pipeline/build.h"

namespace cmdm::cli {

namespace {

void print_parts(const pipeline::BuildRun& run, const std::string& out_dir) {
  Table table({"SOURCE", "PART", "PAYLOADS", "SIZE", "ROUTE"}, {false, false, true, true, false});
  std::size_t parts = 0;
  for (const emitters::SourceEntry& s : run.output.manifest.sources) {
    for (const emitters::Part& p : s.parts) {
      ++parts;
      const emitters::TargetRoute& r = p.routes.front();
      std::string size = std::to_string(r.size);
      if (r.limit) size += " / " + std::to_string(r.limit);
      table.add({s.path, p.identifier, std::to_string(p.payloads.size()), size,
                 std::string(emitters::route_name(r.route))});
      if (!r.reason.empty()) table.add_note(r.reason);
    }
  }
  table.print(std::cout);
  std::cout << run.output.manifest.sources.size() << " sources, " << parts << " parts -> "
            << printable_text(out_dir) << ": " << run.stats.written << " written, "
            << run.stats.unchanged << " unchanged, " << run.stats.removed << " removed\n";
}

}  // namespace

int run_split(const Args& args) {
  po::options_description options("split options");
  OptimizerArgs opt;
  std::vector<std::string> files;
  std::string out;
  LocalInstallArgs local;
  unsigned jobs = 1;
  add_optimizer_options(options, opt, "target whose limit the parts must fit");
  add_local_install_options(options, local);
  add_jobs_option(options, jobs);
  options.add_options()("output,o", po::value(&out),
                        "output directory (profiles/ and manifest.json)")(
      "files", po::value(&files), "profile sources or directories");
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code = parse_options("split", "SRC... --target T [--level L] -o OUT", options,
                                positional, args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("split", "no input files");
  if (out.empty()) return usage_error("split", "no output directory given (-o OUT)");
  Result<pipeline::Prepared> prepared = prepare(opt);
  if (!prepared) return report("split", prepared.error());
  Result<compiler::Context> context = pipeline::make_context(opt.templates);
  if (!context) return report("split", context.error());
  pipeline::BuildOptions build;
  build.targets = {prepared->options.target};
  build.level = prepared->options.level;
  build.limit = prepared->options.limit;
  build.enable = prepared->options.enable;
  build.disable = prepared->options.disable;
  build.schema = prepared->schema;
  build.context = std::move(*context);
  build.sources = opt.sources;
  build.local_allowed = local.local_allowed();
  build.emit_commands = false;
  build.generator = "cmdm split";
  build.jobs = jobs;
  Progress progress("split", true);
  build.progress = progress.callback();
  Result<pipeline::BuildRun> run = pipeline::run_build(files, out, /*bundle=*/false, build);
  progress.clear();
  if (!run) return report(run.error());
  for (const Diagnostic& w : run->output.warnings) std::cerr << w.format();
  print_parts(*run, out);
  return run->output.undeliverable ? static_cast<int>(ExitCode::kCheckFailed) : 0;
}

}  // namespace cmdm::cli
