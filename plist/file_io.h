// Reading and writing whole files. Writes are atomic: a temporary file in the same directory,
// fsync, then rename, so a failed run never leaves a partial output file.
#pragma once

#include <string>
#include <string_view>

#include "plist/diagnostic.h"

namespace cmdm {

// Reads a whole file; "-" reads standard input. Errors carry ExitCode::kIoError.
Result<std::string> read_file(const std::string& path);

// Writes atomically; "-" writes to standard output. Creates no directories.
Status write_file_atomic(const std::string& path, std::string_view bytes);

// Rewrites an existing file atomically: follows a symbolic link to the file it names and keeps
// that file's permission bits (for `--in-place`).
Status replace_file_atomic(const std::string& path, std::string_view bytes);

// Writes all of `bytes` to the open descriptor `fd`, resuming after short writes and EINTR.
// False on failure, with errno telling why.
bool write_all(int fd, std::string_view bytes);

}  // namespace cmdm
