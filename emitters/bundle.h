// bundle.cmdm: one file holding a whole build output (manifest.json and every artifact), so a
// build can be shipped to a device as one verifiable unit. Format (docs/bundle.md):
//   header  "CMDMBNDL" | u32 version | u32 flags (0) | u64 payload size    (little endian)
//   body    one zstd frame of the payload:
//           u32 entry count | entries: u16 path length, path, u64 size, 32-byte SHA-256
//           | the entries' bytes, concatenated in entry order
// Entries are sorted by path with manifest.json first; same artifacts, same bundle bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "emitters/layout.h"
#include "emitters/manifest.h"
#include "plist/diagnostic.h"

namespace cmdm::emitters {

inline constexpr std::string_view kBundleMagic = "CMDMBNDL";
inline constexpr std::uint32_t kBundleVersion = 1;
inline constexpr std::string_view kBundleFileName = "bundle.cmdm";

// What a reader accepts (docs/bundle.md, `cmdm unbundle --max-bytes/--max-ratio`); larger or
// stranger input is refused before it is unpacked that far.
struct BundleLimits {
  std::uint64_t max_payload_bytes = 1024ull * 1024 * 1024;  // uncompressed
  std::uint32_t max_entries = 1'000'000;
  // Uncompressed payload per byte of bundle file. A build's own bundles unpack about 8 to 1
  // (the shared corpus 8.4; 10,000 generated profiles 7.7 to 8.6 depending on the target); a
  // bundle that claims 1,000 times its size is a decompression bomb.
  std::uint64_t max_ratio = 1000;
};

// Receives a bundle's entries as they are unpacked, in bundle order (manifest.json first), each
// in pieces of at most 128 KiB. An entry's bytes are checked against its SHA-256 only once all
// of them were passed on: a sink that keeps them must discard them unless read_bundle succeeds.
class BundleSink {
 public:
  virtual ~BundleSink() = default;
  virtual Status begin_entry(std::string_view path, std::uint64_t size) = 0;
  virtual Status append(std::string_view bytes) = 0;
  virtual Status end_entry() = 0;
};

// Packs artifacts (one must be manifest.json). zstd level 9, single-threaded: deterministic.
Result<std::string> write_bundle(const std::vector<Artifact>& artifacts);

// Unpacks and checks everything: header, version, sizes against the limits and each other, the
// expansion ratio, the zstd frame (nothing after it), every path (check_relative_path, no
// duplicates), every SHA-256, and that manifest.json parses and lists exactly the other entries
// with their sizes and hashes (all checked before the first entry's bytes reach the sink, except
// each entry's SHA-256, checked when it ends). Reads `fd` (a file, a pipe) in pieces: memory does
// not depend on the size of the bundle or of any entry. Errors are ExitCode::kDataError naming
// what is wrong, or kIoError when reading fails.
Status read_bundle(int fd, std::string_view file_name, const BundleLimits& limits,
                   BundleSink& sink);

// The same over bytes in memory, returning the entries.
Result<std::vector<Artifact>> read_bundle(std::string_view bytes,
                                          std::string_view file_name = kBundleFileName,
                                          const BundleLimits& limits = {});

// `cmdm unbundle`: reads the bundle file (or "-") and writes its entries under `out_dir` with a
// LayoutWriter, streamed; on any error nothing in `out_dir` changes.
// `check`, when given, sees manifest.json and its signature (kManifestSignatureName; "" when the
// bundle has none) once every entry has been read and checked, before anything is committed.
using ManifestCheck = std::function<Status(std::string_view manifest, std::string_view signature)>;
Result<WriteStats> unpack_bundle(const std::string& bundle_path, const std::string& out_dir,
                                 const BundleLimits& limits = {}, const ManifestCheck& check = {});

// Reads and checks the whole bundle as unpack_bundle does, streamed and written nowhere, then
// runs `check` on its manifest and signature.
Status check_bundle(const std::string& bundle_path, const BundleLimits& limits,
                    const ManifestCheck& check);

}  // namespace cmdm::emitters
