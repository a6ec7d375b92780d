// `cmdm optimize`: writes each profile as small as its level allows for the target.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/output_paths.h"
#include "cli/pipeline_options.h"
#include "optimizer/optimizer.h"
#include "pipeline/source.h"
#include "plist/file_io.h"

namespace cmdm::cli {

int run_optimize(const Args& args) {
  po::options_description options("optimize options");
  OptimizerArgs opt;
  std::vector<std::string> files;
  std::string out;
  add_optimizer_options(options, opt, "target the profiles are for");
  options.add_options()("output,o", po::value(&out),
                        "output file for one source, else a directory ('-': stdout)")(
      "files", po::value(&files), "profile sources or directories");
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code = parse_options("optimize", "SRC... --target T [--level L] -o OUT", options,
                                positional, args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("optimize", "no input files");
  std::error_code ec;
  const bool from_dir = std::any_of(files.begin(), files.end(), [&](const std::string& f) {
    return std::filesystem::is_directory(f, ec);
  });
  Result<std::vector<std::string>> expanded = pipeline::expand_source_paths(files);
  if (!expanded) return report(expanded.error());
  files = std::move(*expanded);
  if (out.empty()) return usage_error("optimize", "no output given (-o OUT)");
  if (out == "-" && (files.size() > 1 || from_dir)) {
    return usage_error("optimize", "'-o -' takes one source");
  }
  // d1/x.plist and d2/x.plist would both land on OUT/x.plist, the second replacing the first.
  if (auto shared = shared_output(out, files)) {
    return usage_error("optimize", "two inputs would both be written to " + *shared);
  }
  Result<pipeline::Prepared> prepared = prepare(opt);
  if (!prepared) return report("optimize", prepared.error());
  Result<compiler::Context> context = pipeline::make_context(opt.templates);
  if (!context) return report("optimize", context.error());
  const bool to_dir = files.size() > 1 || from_dir || std::filesystem::is_directory(out);
  if (to_dir) {
    std::filesystem::create_directories(out, ec);
    if (ec)
      return report(
          Error::make(ExitCode::kIoError, out, "cannot create directory: " + ec.message()));
  }
  // Lossless rewrites change no key or value: a plain plist keeps its identity as written.
  pipeline::SourceOptions as_written = opt.sources;
  as_written.keep_plain_as_written = true;
  int status = 0;
  for (const std::string& file : files) {
    Result<std::string> bytes = read_file(file);
    if (!bytes) {
      status = std::max(status, report(bytes.error()));
      continue;
    }
    Result<pipeline::Source> source = pipeline::read_source(*bytes, file, *context, as_written);
    if (!source) {
      status = std::max(status, report(source.error()));
      continue;
    }
    std::cerr << format_diagnostics(source->warnings);
    Result<optimizer::Optimized> r = optimizer::optimize(source->profile, prepared->options);
    if (!r) {
      status = std::max(status, report(r.error()));
      continue;
    }
    std::string path =
        to_dir ? (std::filesystem::path(out) / std::filesystem::path(file).filename()).string()
               : out;
    Status written = write_file_atomic(path, r->bytes);
    if (!written) {
      status = std::max(status, report(written.error()));
      continue;
    }
    if (out != "-") {
      std::cout << path << ": " << source->stored_bytes << " -> " << r->bytes.size() << " bytes ("
                << r->encoding.describe() << "), command " << r->command_size;
      if (r->limit) std::cout << (r->fits ? " fits " : " does not fit ") << r->limit;
      std::cout << '\n';
    }
  }
  return status;
}

}  // namespace cmdm::cli
