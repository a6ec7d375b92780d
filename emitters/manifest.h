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

// Written: version 2. Read: 1 and 2 (a version-1 manifest gets the defaults docs/manifest.md
// gives for what it lacks).
inline constexpr int kManifestVersion = 2;
inline constexpr int kOldestManifestVersion = 1;

// A build made with a signing identity also writes a detached CMS signature of manifest.json
// beside it. The manifest lists every other file with its SHA-256, so the signature covers them
// all; it is not itself listed (it signs the list).
inline constexpr std::string_view kManifestSignatureName = "manifest.json.p7s";

// One file of a build output, relative to OUT ("profiles/com.example.mobileconfig").
struct Artifact {
  Artifact() = default;
  Artifact(std::string path_, std::string bytes_, std::string sha256_ = {})
      : path(std::move(path_)), bytes(std::move(bytes_)), sha256(std::move(sha256_)) {}
  std::string path;
  std::string bytes;
  std::string sha256;  // hex SHA-256 of bytes when the producer already has it; empty: computed
};

// A value the sender fills per send (emitters/targets.h Slot, as the manifest carries it).
struct RequestSlot {
  std::string name;         // "command_uuid", "device_id", "enrollment_id", "fleet_profile_uuid"
  std::string where;        // "path", "body", or "command" (inside Fleet's base64 command)
  std::string placeholder;  // the text to replace
  std::string fill;         // what goes there
};

// One HTTP request a sender makes for an action on a part.
struct Request {
  std::string action;        // "install", "update" or "remove"
  std::string method;        // "" for raw (the MDM's own raw-command API)
  std::string path;          // build-time values filled, per-send ones as {slot}
  std::string content_type;  // "" when no body
  std::string body;          // artifact path of the body ("" when none)
  std::string body_sha256;
  std::vector<int> success;  // statuses that mean the vendor took it
  std::vector<RequestSlot> slots;
};

// How the vendor reports a body over its size limit.
struct SizeErrorInfo {
  int status = 0;
  std::string match;  // text in the response body ("" = the status alone)
  std::string meaning;
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
  std::vector<Request> requests;  // version 2: what to send, per action (mdm routes)
  std::optional<SizeErrorInfo> size_error;
};

// The channel a part is installed on, from its PayloadScope ("System" when absent: the device
// channel, where an MDM's InstallProfile goes by default).
enum class Scope { kSystem, kUser };
std::string_view scope_name(Scope scope);  // "System", "User"
Result<Scope> parse_scope(std::string_view name);

// One profile that will be installed: the source itself, or one part of a split source.
struct Part {
  std::string identifier;    // the part's PayloadIdentifier (the source's when not split)
  std::string uuid;          // the part's PayloadUUID
  std::string display_name;  // the part's PayloadDisplayName ("Name (2 of 3)" for a split part)
  Scope scope = Scope::kSystem;
  // Install order across the build: a part holding a payload another part references (a
  // certificate an identity or Wi-Fi payload points to) gets a lower number and goes first.
  std::size_t order = 0;
  // SHA-256 of the part's unsigned profile bytes: what a sender records to know whether the
  // device already has this content (a re-signature alone does not change it).
  std::string digest;
  std::string profile;    // artifact path of the .mobileconfig
  std::size_t bytes = 0;  // size of the .mobileconfig
  std::string sha256;     // of the .mobileconfig
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
  // Every identifier this source installs (its parts'): a sender removes what it installed for
  // this source and the list no longer holds (after a re-split or an unsplit).
  std::vector<std::string> owns;
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

// Fills manifest.files from the artifacts (sorted by path; manifest.json and its signature are
// not listed).
void list_files(Manifest& manifest, const std::vector<Artifact>& artifacts);

// The JSON text: two-space indentation, keys in the documented order, a final newline.
std::string write_manifest(const Manifest& manifest);

// Fills each part's install order from the payload references between parts (stable: parts that
// reference nothing keep manifest order). `references` gives, per part in manifest order, the
// PayloadUUIDs it holds and the strings it refers to.
struct PartReferences {
  std::vector<std::string> holds;      // PayloadUUIDs of its payloads
  std::vector<std::string> refers_to;  // values of its reference keys
};
void order_parts(Manifest& manifest, const std::vector<PartReferences>& references);

// Parses and checks a manifest (version, types, required keys). Errors are ExitCode::kDataError
// naming the key path ("sources[0].parts[1].sha256").
Result<Manifest> read_manifest(std::string_view json, std::string_view file_name = "manifest.json");

}  // namespace cmdm::emitters
