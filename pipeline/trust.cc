#include "pipeline/trust.h"

#include <filesystem>

#include "emitters/bundle.h"
#include "emitters/manifest.h"
#include "plist/file_io.h"
#include "plist/hash.h"
#include "signer/signer.h"

namespace cmdm::pipeline {

namespace {

std::string join(const std::string& dir, std::string_view name) {
  if (dir.empty() || dir.back() == '/') return dir + std::string(name);
  return dir + "/" + std::string(name);
}

}  // namespace

Status verify_manifest_signature(std::string_view manifest, std::string_view signature,
                                 const std::vector<std::string>& anchors,
                                 const std::string& prefix) {
  const std::string name = prefix + "manifest.json";
  if (signature.empty()) {
    return Error::make(ExitCode::kCheckFailed,
                       prefix + std::string(emitters::kManifestSignatureName),
                       "missing: the build was not signed, so it cannot be trusted (build with "
                       "--sign-key/--sign-cert or --sign-p12)");
  }
  signer::VerifyOptions vo;
  vo.trust_anchors = anchors;
  vo.file_name = name;
  Result<signer::VerifyReport> report = signer::verify_detached(signature, manifest, vo);
  if (!report) return report.error();
  return Ok{};
}

Status verify_output(const std::string& dir, const std::vector<std::string>& anchors) {
  const std::string manifest_path = join(dir, "manifest.json");
  Result<std::string> manifest = read_file(manifest_path);
  if (!manifest) return manifest.error();
  const std::string signature_path = join(dir, emitters::kManifestSignatureName);
  std::string signature;
  std::error_code ec;
  if (std::filesystem::exists(signature_path, ec)) {
    Result<std::string> bytes = read_file(signature_path);
    if (!bytes) return bytes.error();
    signature = std::move(*bytes);
  }
  if (Status s = verify_manifest_signature(*manifest, signature, anchors, join(dir, "")); !s) {
    return s;
  }
  Result<emitters::Manifest> parsed = emitters::read_manifest(*manifest, manifest_path);
  if (!parsed) return parsed.error();
  for (const emitters::Manifest::File& f : parsed->files) {
    const std::string path = join(dir, f.path);
    Result<std::string> bytes = read_file(path);
    if (!bytes) return bytes.error();
    if (bytes->size() != f.size || plist::sha256_hex(*bytes) != f.sha256) {
      return Error::make(ExitCode::kCheckFailed, path,
                         "changed after the build was signed: its size or SHA-256 differs from "
                         "what the signed manifest records");
    }
  }
  return Ok{};
}

Status verify_bundle(const std::string& path, const std::vector<std::string>& anchors) {
  return emitters::check_bundle(
      path, {}, [&](std::string_view manifest, std::string_view signature) {
        return verify_manifest_signature(manifest, signature, anchors, path + ":");
      });
}

}  // namespace cmdm::pipeline
