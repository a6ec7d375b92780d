// The build manifest: what `cmdm build` produced from which source, for which targets, and how
// big and which hash every artifact has. The dispatcher reads it to apply a desired state; its
// JSON form (docs/manifest.md) is versioned and deterministic: same build, same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emitters/vocabulary.h"
#include "plist/diagnostic.h"

namespace cmdm::emitters {

inline constexpr int kManifestVersion = 1;

// One file of a build output, relative to OUT ("profiles/com.example.mobileconfig").
struct Artifact {
  Artifact() = default;
  Artifact(std::string path_, std::string bytes_, std::string sha256_ = {})
      : path(std::move(path_)), bytes(std::move(bytes_)), sha256(std::move(sha256_)) {}
  std::string path;
  std::string bytes;
  std::string sha256;  // hex SHA-256 of bytes when the producer already has it; empty: computed
};

// How one part reaches the device through one target.
struct TargetRoute {
  std::string target;         // "workspaceone", ...
  Route route = Route::kMdm;  // kMdm: command bodies written
  std::string reason;         // one sentence when route != "mdm" or the policy dropped a signature
  std::size_t size = 0;       // what the target's limit counts, measured on the install body
  std::size_t limit = 0;      // 0 = none
  std::string install;        // artifact path of the install body ("" when none)
  std::string install_sha256;
  std::string remove;  // artifact path of the remove body ("" when none)
  std::string remove_sha256;
};

// One profile that will be installed: the source itself, or one part of a split source.
struct Part {
  std::string identifier;  // the part's PayloadIdentifier (the source's when not split)
  std::string uuid;        // the part's PayloadUUID
  std::string profile;     // artifact path of the .mobileconfig
  std::size_t bytes = 0;   // size of the .mobileconfig
  std::string sha256;      // of the .mobileconfig
  Format encoding = Format::kXml;
  bool is_signed = false;
  std::vector<std::string> payloads;  // PayloadIdentifiers of the payloads it carries, in order
  std::vector<std::string> payload_types;  // their PayloadTypes, same order
  std::vector<TargetRoute> routes;         // one per target, in the order the targets were given
};

// One source file and what became of it.
struct SourceEntry {
  std::string path;        // as given on the command line
  std::string sha256;      // of the source bytes
  std::string identifier;  // the compiled profile's PayloadIdentifier
  std::string uuid;        // the compiled profile's PayloadUUID
  std::string display_name;
  std::string signer;                   // signing certificate subject, "" when unsigned
  std::optional<SigningPolicy> policy;  // none when no signing identity was configured
  std::size_t bytes = 0;                // size of the source
  bool split = false;                   // true when it became more than one part
  std::vector<Part> parts;
};

struct Manifest {
  int version = kManifestVersion;
  std::string generator;  // "cmdm 0.1.0"
  Level level = Level::kLossless;
  std::vector<std::string> targets;
  std::vector<SourceEntry> sources;
  // Every artifact except manifest.json itself, sorted by path: path, size, sha256. The layout
  // writer uses it to remove files a previous build wrote and this one does not.
  struct File {
    std::string path;
    std::size_t size = 0;
    std::string sha256;
  };
  std::vector<File> files;
};

// Fills manifest.files from the artifacts (sorted by path).
void list_files(Manifest& manifest, const std::vector<Artifact>& artifacts);

// The JSON text: two-space indentation, keys in the documented order, a final newline.
std::string write_manifest(const Manifest& manifest);

// Parses and checks a manifest (version, types, required keys). Errors are ExitCode::kDataError
// naming the key path ("sources[0].parts[1].sha256").
Result<Manifest> read_manifest(std::string_view json, std::string_view file_name = "manifest.json");

}  // namespace cmdm::emitters
