// `cmdm unbundle`: checks a bundle.cmdm completely and writes its files out (the build's OUT).
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "emitters/bundle.h"
#include "pipeline/build.h"
#include "plist/file_io.h"

namespace cmdm::cli {

int run_unbundle(const Args& args) {
  po::options_description options("unbundle options");
  std::string bundle, out_dir;
  std::vector<std::string> ca_files;
  emitters::BundleLimits limits;
  options.add_options()("output,o", po::value(&out_dir)->required(), "output directory")(
      "max-bytes", po::value(&limits.max_payload_bytes)->default_value(limits.max_payload_bytes),
      "refuse a bundle that unpacks to more bytes than this")(
      "max-ratio", po::value(&limits.max_ratio)->default_value(limits.max_ratio),
      "refuse a bundle that unpacks to more than this many times its own size")(
      "ca", po::value(&ca_files),
      "refuse the bundle unless its manifest is signed by a certificate chaining to this CA "
      "(PEM or DER; repeatable)")("bundle", po::value(&bundle)->required(),
                                  "the bundle.cmdm to unpack");
  po::positional_options_description positional;
  positional.add("bundle", 1);
  po::variables_map vm;
  if (auto code =
          parse_options("unbundle", "BUNDLE -o DIR [--ca FILE] [--max-bytes N] [--max-ratio N]",
                        options, positional, args, vm)) {
    return *code;
  }
  if (limits.max_ratio == 0) return usage_error("unbundle", "--max-ratio must be at least 1");
  std::vector<std::string> anchors;
  for (const std::string& path : ca_files) {
    Result<std::string> bytes = read_file(path);
    if (!bytes) return report(bytes.error());
    anchors.push_back(std::move(*bytes));
  }
  Result<emitters::WriteStats> stats = pipeline::unbundle(bundle, out_dir, limits, anchors);
  if (!stats) return report(stats.error());
  std::cout << out_dir << ": " << stats->written << " written, " << stats->unchanged
            << " unchanged, " << stats->removed << " removed\n";
  return 0;
}

}  // namespace cmdm::cli
