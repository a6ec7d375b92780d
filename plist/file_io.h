// Reading and writing whole files, and what happens to a write when the process is told to stop.
// Reads are bounded: no input is read past its limit. Writes to a regular file or a missing path
// are atomic: a temporary file in the same directory, fsync, then rename, so a failed run never
// leaves a partial output file. A device or FIFO is written through, never replaced.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "plist/diagnostic.h"
#include "plist/reader.h"

namespace cmdm {

// The most any input file may hold (sources, --vars, --facts, keys, certificates, CA bundles,
// password files): the plist reader's limit, so a file is refused before it is read past it.
inline constexpr std::size_t kMaxInputFileBytes = plist::kMaxInputBytes;

// Reads a whole file; "-" reads standard input. At most `max_bytes` + 1 bytes are read, whatever
// the file is (a device, a FIFO, endless standard input): a larger input is ExitCode::kDataError
// naming the limit (a regular file larger than it is refused unread). Errors opening or reading are
// ExitCode::kIoError.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes = kMaxInputFileBytes);

// Reads the rest of the open descriptor `fd` under the same limit as read_file; errors name
// `shown`. The caller keeps and closes `fd`.
Result<std::string> read_all(int fd, const std::string& shown,
                             std::size_t max_bytes = kMaxInputFileBytes);

// Opens `path` for reading ("-" is standard input, returned as descriptor 0); kIoError on failure.
// For readers that stream a file (bundles) instead of holding it whole.
Result<int> open_for_reading(const std::string& path);

// Writes `bytes` to `path`; "-" writes to standard output. Creates no directories.
//  - a missing path or a regular file: written atomically (temporary file, fsync, rename);
//  - a symbolic link to a regular file: that file is replaced atomically and the link stays;
//  - a character device or FIFO (or a link to one, such as /dev/stdout): written through, never
//    replaced;
//  - anything else (a directory, a block device, a socket): refused.
// Every failure is ExitCode::kIoError.
Status write_file_atomic(const std::string& path, std::string_view bytes);

// Rewrites an existing file atomically: follows a symbolic link to the file it names and keeps
// that file's permission bits (for `--in-place`). Devices and FIFOs are refused.
Status replace_file_atomic(const std::string& path, std::string_view bytes);

// Writes all of `bytes` to the open descriptor `fd`, resuming after short writes and EINTR.
// False on failure, with errno telling why.
bool write_all(int fd, std::string_view bytes);

// Interruption (SIGTERM, SIGINT). main() installs the handlers; a handler calls
// defer_interrupt(sig). While a writer has work on disk to finish or undo, it holds a
// WriteInProgress; the signal is then recorded and the writer stops at its next check, cleans up
// and returns interrupted_error(). With no writer in progress there is nothing to clean up and
// the handler may end the process at once.

// Async-signal-safe. Records `sig`; true when a writer is in progress and will stop by itself.
bool defer_interrupt(int sig) noexcept;

// The signal recorded by defer_interrupt, or 0.
int interrupt_signal() noexcept;

// The error a writer returns when it stopped for a signal: ExitCode::kIoError naming `path`;
// main() turns it into exit status 128 + signal.
Error interrupted_error(const std::string& path);

// Marks a writer in progress for as long as it lives (nests).
class WriteInProgress {
 public:
  WriteInProgress() noexcept;
  ~WriteInProgress();
  WriteInProgress(const WriteInProgress&) = delete;
  WriteInProgress& operator=(const WriteInProgress&) = delete;
};

}  // namespace cmdm
