// The artifact layout of a build output directory, and its writer:
//   OUT/profiles/<identifier>.mobileconfig
//   OUT/commands/<target>/<identifier>.{install,remove}.<ext>
//   OUT/manifest.json
// A file whose bytes are already right is not touched (its mtime stays), so a rebuild of
// unchanged inputs writes nothing and make-style tools see no change. What the writer guarantees
// about OUT when it is killed, and about links planted in it: docs/security.md.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emitters/manifest.h"
#include "emitters/targets.h"
#include "plist/diagnostic.h"

namespace cmdm::emitters {

// A file name for an identifier (docs/build.md, "File names"): kept as is when it is made of
// [A-Za-z0-9._-], does not start with '.' and is at most 200 bytes; otherwise the other
// characters become '_', a leading '.' (or an empty identifier) gets a '_' in front, and "~" plus
// 8 hex digits of the identifier's SHA-256 is appended. So a name is never hidden, two
// identifiers never share a file, and the name never leaves its directory.
std::string file_name_for(std::string_view identifier);

std::string profile_path(std::string_view identifier);
// `install` selects .install.<ext> or .remove.<ext>.
std::string command_path(const Target& target, std::string_view identifier, bool install);

// Accepts only relative paths of non-empty components other than "." and "..", with no
// backslash, NUL or other control character, at most 1024 bytes. The bundle reader and the layout
// writer both check every path with it.
Status check_relative_path(std::string_view path);

// Refuses artifacts whose paths differ only in (ASCII) case: macOS volumes are case-insensitive,
// so both would be written to one file there. The error names both paths and the identifiers
// they were made from. ExitCode::kDataError.
Status check_case_collisions(const std::vector<Artifact>& artifacts);

// A path or file name as a case-insensitive volume (macOS) compares it: ASCII letters folded to
// lower case. The one rule behind check_case_collisions and the build's identifier check.
std::string fold_case(std::string_view path);

struct WriteStats {
  std::size_t written = 0;    // files created or replaced
  std::size_t unchanged = 0;  // files whose bytes were already right
  std::size_t removed = 0;    // files a previous build listed and this one does not produce
};

// Writes one output directory. Every file is first written into a staging directory (a hidden
// sibling `.<OUT>.cmdm-staging-*`, or `OUT/.cmdm-staging-*` where no sibling can be swapped in);
// commit() then makes the new state appear at once:
//  - OUT missing: the staging directory is renamed to OUT;
//  - OUT present: the staging directory receives hard links to OUT's unchanged files and to
//    everything in OUT this build does not own, and is exchanged with OUT in one rename
//    (renameat2 RENAME_EXCHANGE, renamex_np RENAME_SWAP); the old tree is then deleted;
//  - where that cannot be done (OUT is the current directory or a mount point, the file system
//    cannot exchange, a file cannot be linked) new files are renamed into OUT one by one,
//    manifest.json last.
// Inside OUT nothing is followed: each directory is opened relative to its parent with
// O_NOFOLLOW, and a symbolic link where cmdm needs a directory is replaced (when swapping) or
// refused. Files the previous OUT/manifest.json lists and this build does not produce are
// removed only when they are regular files whose size and SHA-256 match that manifest. Leftovers
// of killed runs (staging directories no process holds locked) are removed when the next writer
// starts. A SIGTERM or SIGINT (plist/file_io.h) before commit discards the staging directory.
class LayoutWriter {
 public:
  static Result<std::unique_ptr<LayoutWriter>> open(const std::string& out_dir);
  ~LayoutWriter();  // discards whatever was not committed

  // Adds a file whose bytes are in memory.
  Status add(std::string_view path, std::string_view bytes);
  // Adds a file in pieces: begin_file, append..., end_file. Memory does not depend on its size.
  Status begin_file(std::string_view path);
  Status append(std::string_view bytes);
  Status end_file();

  Result<WriteStats> commit();

  class Impl;

 private:
  explicit LayoutWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Writes the artifacts (one of them manifest.json) under `out_dir` with a LayoutWriter, after
// refusing paths that would leave OUT or share a file on a case-insensitive volume.
Result<WriteStats> write_layout(const std::string& out_dir, const std::vector<Artifact>& artifacts);

// Writes one file inside an existing output directory (bundle.cmdm) atomically without following
// any symbolic link below `out_dir`; unchanged bytes are not rewritten. True when written.
Result<bool> write_file_in(const std::string& out_dir, std::string_view path,
                           std::string_view bytes);

}  // namespace cmdm::emitters
