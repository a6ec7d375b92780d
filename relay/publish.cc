// Publishing a bundle: verify, then unpack into the relay's state, then record it. The bundle is
// checked twice over in one pass: emitters::unpack_bundle checks every entry against the
// manifest, and its ManifestCheck verifies the manifest's signature before anything is written.
#include "relay/publish.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "emitters/bundle.h"
#include "emitters/manifest.h"
#include "pipeline/trust.h"
#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::relay {
namespace {

Status make_private_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || ::chmod(dir.c_str(), 0700) != 0) {
    return Error::make(ExitCode::kIoError, dir, "cannot create the relay's state directory");
  }
  return Ok{};
}

std::size_t mdm_parts(const emitters::Manifest& manifest, const std::string& target) {
  std::size_t n = 0;
  for (const emitters::SourceEntry& source : manifest.sources) {
    for (const emitters::Part& part : source.parts) {
      for (const emitters::TargetRoute& route : part.routes) {
        if (route.target == target && route.route == emitters::Route::kMdm) ++n;
      }
    }
  }
  return n;
}

}  // namespace

Result<std::vector<std::string>> build_anchors(const RelayConfig& config) {
  Result<std::string> ca = read_file(config.build_ca);
  if (!ca) return ca.error();
  return std::vector<std::string>{std::move(*ca)};
}

Result<Published> publish_bundle(const RelayConfig& config, Store& store,
                                 const std::string& bundle_path) {
  Result<std::vector<std::string>> anchors = build_anchors(config);
  if (!anchors) return anchors.error();
  std::string manifest_bytes;
  emitters::ManifestCheck check = [&](std::string_view manifest, std::string_view signature) {
    manifest_bytes = std::string(manifest);
    return pipeline::verify_manifest_signature(manifest, signature, *anchors, bundle_path);
  };
  // Checked without writing first, so the final directory is named by the manifest's digest.
  if (Status checked = emitters::check_bundle(bundle_path, {}, check); !checked) {
    return checked.error();
  }
  Result<emitters::Manifest> manifest = emitters::read_manifest(manifest_bytes, bundle_path);
  if (!manifest) return manifest.error();
  Published published{.manifest_sha256 = plist::sha256_hex(manifest_bytes),
                      .parts = mdm_parts(*manifest, config.vendor.target)};
  if (published.parts == 0) {
    return Error::make(ExitCode::kDataError, bundle_path,
                       "the bundle has no part routed to " + config.vendor.target +
                           ", the relay's target (build it with --target " + config.vendor.target +
                           ")");
  }
  const std::string bundles = config.state_dir + "/bundles";
  if (Status made = make_private_dir(bundles); !made) return made.error();
  published.directory = bundles + "/" + published.manifest_sha256;
  // Unpacked with the same checks again: the file may have changed since check_bundle read it.
  std::string second;
  emitters::ManifestCheck same = [&](std::string_view m, std::string_view signature) -> Status {
    if (plist::sha256_hex(m) != published.manifest_sha256) {
      return Error::make(ExitCode::kCheckFailed, bundle_path,
                         "the bundle changed while publishing");
    }
    return pipeline::verify_manifest_signature(m, signature, *anchors, bundle_path);
  };
  Result<emitters::WriteStats> unpacked =
      emitters::unpack_bundle(bundle_path, published.directory, {}, same);
  if (!unpacked) return unpacked.error();
  if (Status added = store.add_bundle({.manifest_sha256 = published.manifest_sha256,
                                       .directory = published.directory,
                                       .source = bundle_path});
      !added) {
    return added.error();
  }
  return published;
}

std::size_t publish_directory(const RelayConfig& config, Store& store, const std::string& dir,
                              const std::function<void(const std::string&)>& report) {
  std::size_t count = 0;
  std::error_code ec;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".cmdm" && entry.is_regular_file()) {
      paths.push_back(entry.path().string());
    }
  }
  if (ec) report(dir + ": cannot list the watched directory: " + ec.message());
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    Result<Published> p = publish_bundle(config, store, path);
    if (!p) {
      report(p.error().format());
      continue;
    }
    report("published " + path + " as " + p->manifest_sha256 + " (" + std::to_string(p->parts) +
           " parts for " + config.vendor.target + ")");
    ++count;
  }
  return count;
}

}  // namespace cmdm::relay
