// `cmdm split`: divides profiles whose command does not fit the target into parts that do, and
// writes the parts and a manifest that maps every part back to its source profile.
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/optimizer_options.h"
#include "emitters/layout.h"
#include "emitters/manifest.h"
#include "optimizer/settings.h"
#include "optimizer/source.h"
#include "optimizer/splitter.h"
#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::cli {

int run_split(const Args& args) {
  po::options_description options("split options");
  OptimizerArgs opt;
  optimizer::Settings& s = opt.settings;
  std::vector<std::string> files;
  std::string out;
  LocalInstallArgs local;
  add_optimizer_options(options, opt, "target whose limit the parts must fit");
  add_local_install_options(options, local);
  options.add_options()
      ("output,o", po::value(&out), "output directory (profiles/ and manifest.json)")
      ("files", po::value(&files), "profile sources");
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code = parse_options("split", "SRC... --target T [--level L] -o OUT", options, positional,
                                args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("split", "no input files");
  if (out.empty()) return usage_error("split", "no output directory given (-o OUT)");
  Result<optimizer::Prepared> prepared = optimizer::prepare(s);
  if (!prepared) return report(prepared.error());
  Result<compiler::Context> context = optimizer::make_context(opt.vars, opt.vars_files, opt.facts_files);
  if (!context) return report(context.error());
  optimizer::SplitOptions split_options;
  split_options.optimize = prepared->options;
  split_options.local_allowed = local.local_allowed();

  emitters::Manifest manifest;
  manifest.generator = "cmdm split";
  manifest.level = s.level;
  manifest.targets.push_back(s.target);
  std::vector<emitters::Artifact> artifacts;
  int status = 0;
  for (const std::string& file : files) {
    Result<std::string> bytes = read_file(file);
    Result<optimizer::Source> source = bytes ? optimizer::read_source(*bytes, file, *context)
                                             : Result<optimizer::Source>(bytes.error());
    Result<optimizer::Split> split = source ? optimizer::split(source->profile, split_options)
                                            : Result<optimizer::Split>(source.error());
    if (!split) {
      status = std::max(status, report(split.error()));
      continue;
    }
    emitters::SourceEntry entry = optimizer::manifest_entry(*split, *prepared->options.target);
    entry.path = file;
    entry.sha256 = plist::sha256_hex(*bytes);
    entry.bytes = bytes->size();
    if (const std::string* name = source->profile.get_string("PayloadDisplayName")) entry.display_name = *name;
    for (std::size_t i = 0; i < split->parts.size(); ++i) {
      const optimizer::Part& part = split->parts[i];
      std::string path = emitters::profile_path(part.identifier);
      entry.parts[i].profile = path;
      artifacts.push_back({path, part.optimized.bytes});
      std::cout << file << ": " << part.identifier << "  " << part.payloads.size() << " payload(s)  "
                << part.optimized.command_size << " characters  " << optimizer::route_name(part.route)
                << (part.reason.empty() ? "" : " (" + part.reason + ")") << '\n';
      if (part.route == optimizer::Route::kUndeliverable) {
        status = std::max(status, static_cast<int>(ExitCode::kCheckFailed));
      }
    }
    manifest.sources.push_back(std::move(entry));
  }
  emitters::list_files(manifest, artifacts);
  artifacts.push_back({"manifest.json", emitters::write_manifest(manifest)});
  Result<emitters::WriteStats> written = emitters::write_layout(out, artifacts);
  if (!written) return report(written.error());
  return status;
}

}  // namespace cmdm::cli
