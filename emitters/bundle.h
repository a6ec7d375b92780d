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
#include <string>
#include <string_view>
#include <vector>

#include "emitters/manifest.h"
#include "plist/diagnostic.h"

namespace cmdm::emitters {

inline constexpr std::string_view kBundleMagic = "CMDMBNDL";
inline constexpr std::uint32_t kBundleVersion = 1;
inline constexpr std::string_view kBundleFileName = "bundle.cmdm";

// What a reader accepts; larger or stranger input is refused before any allocation of that size.
struct BundleLimits {
  std::uint64_t max_payload_bytes = 1024ull * 1024 * 1024;  // uncompressed
  std::uint32_t max_entries = 1'000'000;
};

// Packs artifacts (one must be manifest.json). zstd level 9, single-threaded: deterministic.
Result<std::string> write_bundle(const std::vector<Artifact>& artifacts);

// Unpacks and checks everything: header, version, sizes against the limits and each other, the
// zstd frame (nothing after it), every path (check_relative_path, no duplicates), every SHA-256,
// and that manifest.json parses and lists exactly the other entries with their sizes and hashes.
// Errors are ExitCode::kDataError naming what is wrong.
Result<std::vector<Artifact>> read_bundle(std::string_view bytes,
                                          std::string_view file_name = kBundleFileName,
                                          const BundleLimits& limits = {});

}  // namespace cmdm::emitters
