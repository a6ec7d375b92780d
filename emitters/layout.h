// The artifact layout of a build output directory, and its incremental, atomic writer:
//   OUT/profiles/<identifier>.mobileconfig
//   OUT/commands/<target>/<identifier>.{install,remove}.<ext>
//   OUT/manifest.json
// A file whose bytes are already right is not touched (its mtime stays), so a rebuild of
// unchanged inputs writes nothing and make-style tools see no change.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "emitters/manifest.h"
#include "emitters/targets.h"
#include "plist/diagnostic.h"

namespace cmdm::emitters {

// A file name for an identifier: kept as is when it is made of [A-Za-z0-9._-] and does not start
// with '.'; otherwise the other characters become '_' and "~" plus 8 hex digits of the
// identifier's SHA-256 is appended, so two identifiers never share a file and the name never
// leaves its directory.
std::string file_name_for(std::string_view identifier);

std::string profile_path(std::string_view identifier);
// `install` selects .install.<ext> or .remove.<ext>.
std::string command_path(const Target& target, std::string_view identifier, bool install);

// Accepts only relative paths of non-empty components other than "." and "..", with no
// backslash, NUL or other control character, at most 1024 bytes. The bundle reader and the layout
// writer both check every path with it.
Status check_relative_path(std::string_view path);

struct WriteStats {
  std::size_t written = 0;    // files created or replaced
  std::size_t unchanged = 0;  // files whose bytes were already right
  std::size_t removed = 0;    // files a previous build listed and this one does not produce
};

// Writes the artifacts under `out_dir`. When `out_dir` does not exist, the whole tree is written
// into a hidden sibling directory and renamed into place once complete (on an error nothing is
// left). Otherwise each changed file is written atomically (temporary file, renamed into place
// after all were written; no per-file fsync, see layout.cc), manifest.json last; on an error no
// changed file has been renamed into place. Files listed in the previous OUT/manifest.json that
// are no longer produced are removed.
Result<WriteStats> write_layout(const std::string& out_dir, const std::vector<Artifact>& artifacts);

}  // namespace cmdm::emitters
