// `cmdm sign`: sign profiles as compact CMS SignedData (see docs/signing.md for the size options).
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/output_paths.h"
#include "cli/signing_options.h"
#include "plist/file_io.h"
#include "plist/reader.h"
#include "signer/signer.h"

namespace cmdm::cli {

namespace {

int sign_one(const std::string& file, const std::string& out, const signer::Identity& identity,
             const signer::SignOptions& options) {
  Result<std::string> bytes = read_file(file);
  if (!bytes) return report(bytes.error());
  std::string content = std::move(*bytes);
  if (signer::is_cms(content)) {
    Result<signer::Unwrapped> inner = signer::unwrap(content, file);
    if (!inner) return report(inner.error());
    std::cerr << file << ": warning: the input is already signed; its signature is replaced\n";
    content = std::move(inner->content);
  }
  plist::ReadOptions read_options;
  read_options.file_name = file;
  if (Result<plist::Document> doc = plist::read(content, read_options); !doc) {
    return report(doc.error());  // refuse to sign something that is not a property list
  }
  Result<std::string> cms = signer::sign(content, identity, options);
  if (!cms) return report(cms.error());
  if (Status s = write_file_atomic(out, *cms); !s) return report(s.error());
  if (out != "-") {
    std::cout << out << ": signed by " << identity.certificate().subject << ", " << content.size()
              << " -> " << cms->size() << " bytes (+" << cms->size() - content.size() << ")\n";
  }
  return 0;
}

}  // namespace

int run_sign(const Args& args) {
  po::options_description options("sign options");
  std::vector<std::string> files;
  std::string out, digest = "sha256";
  // clang-format off
  options.add_options()
      ("key", po::value<std::string>(), "private key (PEM or DER; PKCS#8 may be encrypted)")
      ("cert", po::value<std::string>(), "signer certificate (PEM or DER)")
      ("p12", po::value<std::string>(), "PKCS#12 identity instead of --key and --cert")
      ("password-file", po::value<std::string>(), "read the password from this file's first line")
      ("password-env", po::value<std::string>(), "read the password from this environment variable")
      ("chain", po::value<std::string>(), "intermediate certificates (PEM bundle or DER)")
      ("no-chain", "include only the signer's certificate")
      ("no-attributes", "no signed attributes (smallest; no signing time)")
      ("no-signing-time", "signed attributes without signingTime")
      ("key-id", "name the signer by subjectKeyIdentifier instead of issuer and serial")
      ("digest", po::value(&digest), "sha256 (default), sha384 or sha512")
      ("output,o", po::value(&out), "output file, or directory for several inputs ('-' = stdout)")
      ("files", po::value(&files), "profiles to sign");
  // clang-format on
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  const char* synopsis =
      "FILE... (--key K --cert C | --p12 F [--password-file P | --password-env NAME]) [--chain F] "
      "[--no-chain] [--no-attributes] -o OUT";
  if (auto code = parse_options("sign", synopsis, options, positional, args, vm)) return *code;
  if (files.empty()) return usage_error("sign", "no input files");
  if (out.empty()) return usage_error("sign", "missing -o OUT");
  if (!vm.count("p12") && !vm.count("key") && !vm.count("cert")) {
    return usage_error("sign", "give either --key and --cert, or --p12");
  }
  if (vm.count("password-file") && vm.count("password-env")) {
    return usage_error("sign", "give --password-file or --password-env, not both");
  }
  if (files.size() > 1 && !is_directory(out)) {
    return usage_error("sign", "with several inputs, -o must be an existing directory");
  }
  if (auto shared = shared_output(out, files)) {
    return usage_error("sign", "two inputs would both be written to " + *shared);
  }
  Result<std::optional<std::int64_t>> when = source_date_epoch();
  if (!when) return usage_error("sign", when.error().diagnostics[0].message);
  Result<std::optional<signer::Identity>> identity =
      load_named_identity(vm, {"key", "cert", "p12", "chain", "password-file", "password-env"});
  if (!identity) return report("sign", identity.error());
  signer::SignOptions sign_options;
  sign_options.digest = digest;
  sign_options.include_chain = !vm.count("no-chain");
  sign_options.signed_attributes = !vm.count("no-attributes");
  sign_options.signing_time_attribute = !vm.count("no-signing-time");
  sign_options.signing_time = *when;
  if (vm.count("key-id")) sign_options.signer_id = signer::SignOptions::SignerId::kKeyId;
  int status = 0;
  for (const std::string& file : files) {
    const int code =
        sign_one(file, output_path(out, file, files.size() > 1), **identity, sign_options);
    if (code != 0) status = code;
  }
  return status;
}

}  // namespace cmdm::cli
