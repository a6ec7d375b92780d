// `cmdm unwrap`: take the profile out of a signed (CMS/PKCS#7) .mobileconfig. The signature is
// dropped, and a warning says so: sign the result again to send it signed.
#include <sys/stat.h>

#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/output_paths.h"
#include "plist/file_io.h"
#include "signer/signer.h"

namespace cmdm::cli {

namespace {

int unwrap_one(const std::string& file, const std::string& out) {
  Result<std::string> bytes = read_file(file);
  if (!bytes) return report(bytes.error());
  if (!signer::is_cms(*bytes)) {
    return report(
        Error::make(ExitCode::kDataError, file,
                    "not a signed profile (no CMS SignedData header); nothing to unwrap"));
  }
  Result<signer::Unwrapped> u = signer::unwrap(*bytes, file);
  if (!u) return report(u.error());
  for (const Diagnostic& d : u->warnings) std::cerr << d.format();
  if (Status s = write_file_atomic(out, u->content); !s) return report(s.error());
  return 0;
}

}  // namespace

int run_unwrap(const Args& args) {
  po::options_description options("unwrap options");
  std::vector<std::string> files;
  std::string out;
  // clang-format off
  options.add_options()
      ("output,o", po::value(&out), "output file, or directory for several inputs ('-' = stdout)")
      ("files", po::value(&files), "signed profiles");
  // clang-format on
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code = parse_options("unwrap", "FILE... -o OUT", options, positional, args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("unwrap", "no input files");
  if (out.empty()) return usage_error("unwrap", "missing -o OUT");
  if (files.size() > 1 && !is_directory(out)) {
    return usage_error("unwrap", "with several inputs, -o must be an existing directory");
  }
  if (auto shared = shared_output(out, files)) {
    return usage_error("unwrap", "two inputs would both be written to " + *shared);
  }
  int status = 0;
  for (const std::string& file : files) {
    const int code = unwrap_one(file, output_path(out, file, files.size() > 1));
    if (code != 0) status = code;
  }
  return status;
}

}  // namespace cmdm::cli
