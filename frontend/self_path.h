// Where the running executable is, and from there where `cmdm` is: the small `profiles` front end
// hands install and remove to the full `cmdm profiles` found next to it, never through PATH
// (a caller's PATH may hold another cmdm, or the front end itself under `profiles`).
#pragma once

#include <string>

#include "plist/diagnostic.h"

namespace cmdm::frontend {

// The running executable's absolute path with symbolic links resolved (Linux /proc/self/exe,
// macOS _NSGetExecutablePath then realpath): a `profiles` symlink leads to the real file.
Result<std::string> executable_path();

// The `cmdm` for the front end at `front_end` (an absolute path): the installed layout first,
// `relative_to_bin` from its directory (libexec/cmdm/profiles → ../../bin/cmdm), then the build
// tree's (frontend/cmdm-profiles → ../cli/cmdm). The first that is an executable file; none is
// ExitCode::kUnavailable naming the places looked at.
Result<std::string> cmdm_beside(const std::string& front_end, const std::string& relative_to_bin);

}  // namespace cmdm::frontend
