// Bounded whole-file reads, atomic writes that never replace a device or FIFO, and the interrupt
// flag writers check (POSIX).
#include "plist/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>

namespace cmdm {

namespace {

Error io_error(const std::string& path, const std::string& what) {
  return Error::make(ExitCode::kIoError, path, what + ": " + std::strerror(errno));
}

std::string shown_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// The plist reader's wording ("input is N bytes, over the limit of M bytes"); a stream has no
// size to give.
Error too_large(const std::string& shown, std::optional<std::uint64_t> size, std::size_t limit) {
  std::string what = size ? "input is " + std::to_string(*size) + " bytes, over" : "input is over";
  return Error::make(ExitCode::kDataError, shown,
                     what + " the limit of " + std::to_string(limit) + " bytes");
}

// Lock-free, so the signal handler may touch them.
static_assert(std::atomic<int>::is_always_lock_free);
std::atomic<int> g_signal{0};
std::atomic<int> g_writers{0};

}  // namespace

bool defer_interrupt(int sig) noexcept {
  g_signal.store(sig);
  return g_writers.load() > 0;
}

int interrupt_signal() noexcept { return g_signal.load(); }

Error interrupted_error(const std::string& path) {
  const int sig = interrupt_signal();
  const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
  return Error::make(ExitCode::kIoError, path,
                     std::string("interrupted by ") + name + "; the output was left as it was");
}

WriteInProgress::WriteInProgress() noexcept { g_writers.fetch_add(1); }
WriteInProgress::~WriteInProgress() { g_writers.fetch_sub(1); }

Result<int> open_for_reading(const std::string& path) {
  if (path == "-") return 0;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot open");
  return fd;
}

Result<std::string> read_all(int fd, const std::string& shown, std::size_t max_bytes) {
  std::string out;
  // A regular file says its size up front: refuse it unread, or read it into one allocation.
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > max_bytes) return too_large(shown, size, max_bytes);
    out.reserve(static_cast<std::size_t>(size));
  }
  // Anything else (a device, a FIFO, standard input) is read until one byte past the limit.
  char buf[65536];
  for (;;) {
    const std::size_t left = max_bytes - out.size();
    ssize_t n = ::read(fd, buf, left >= sizeof buf ? sizeof buf : left + 1);
    if (n < 0) {
      if (errno == EINTR && interrupt_signal() == 0) continue;
      if (errno == EINTR) return interrupted_error(shown);
      return io_error(shown, "cannot read");
    }
    if (n == 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) return too_large(shown, std::nullopt, max_bytes);
  }
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  Result<int> opened = open_for_reading(path);
  if (!opened) return opened.error();
  Result<std::string> out = read_all(*opened, shown_name(path), max_bytes);
  if (*opened != 0) ::close(*opened);
  return out;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR && interrupt_signal() == 0) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

namespace {

// The process umask, read once: umask() can only be read by setting it, which is not thread-safe.
mode_t process_umask() {
  static const mode_t mask = [] {
    mode_t m = ::umask(0);
    ::umask(m);
    return m;
  }();
  return mask;
}

// Temporary file beside `path`, written, synced and renamed over it. A signal that arrives
// before the rename removes the temporary file and leaves `path` as it was.
Status write_atomic(const std::string& path, std::string_view bytes, mode_t mode) {
  WriteInProgress writing;
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return io_error(path, "cannot create temporary file");
  auto fail = [&](Error e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  if (!write_all(fd, bytes) || ::fsync(fd) != 0) {
    return fail(interrupt_signal() ? interrupted_error(path) : io_error(path, "cannot write"));
  }
  // mkstemp creates 0600; give the file the mode the caller asked for.
  ::fchmod(fd, mode);
  if (interrupt_signal()) return fail(interrupted_error(path));
  if (::close(fd) != 0) {
    Error e = io_error(path, "cannot write");
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = io_error(path, "cannot rename temporary file into place");
    ::unlink(tmp.c_str());
    return e;
  }
  return Ok{};
}

// Writes into an existing character device or FIFO (a terminal, /dev/null, a pipe that another
// process reads): replacing it with a file would destroy it, or write where nobody reads.
Status write_through(const std::string& path, std::string_view bytes) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR && interrupt_signal() == 0);
  if (fd < 0) return io_error(path, "cannot open for writing");
  bool ok = write_all(fd, bytes);
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  errno = err;
  if (!ok) return io_error(path, "cannot write");
  return Ok{};
}

Status refuse_kind(const std::string& path, mode_t m) {
  const char* kind = S_ISDIR(m) ? "a directory" : S_ISBLK(m) ? "a block device" : "a socket";
  return Error::make(ExitCode::kIoError, path,
                     std::string("cannot write: the path names ") + kind +
                         ", not a regular file, character device or FIFO");
}

// The file a symbolic link ends at, resolved, for replacing it and keeping the link.
Result<std::string> resolve(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return io_error(path, "cannot resolve");
  std::string target = resolved;
  std::free(resolved);
  return target;
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    if (!std::cout) return Error::make(ExitCode::kIoError, "-", "cannot write standard output");
    return Ok{};
  }
  // The mode a plain open() would give: 0666 less the umask.
  const mode_t mode = 0666 & ~process_umask();
  struct stat link, st;
  if (::lstat(path.c_str(), &link) != 0) {
    if (errno != ENOENT) return io_error(path, "cannot stat");
    return write_atomic(path, bytes, mode);
  }
  if (S_ISREG(link.st_mode)) return write_atomic(path, bytes, mode);
  if (!S_ISLNK(link.st_mode)) {
    if (S_ISCHR(link.st_mode) || S_ISFIFO(link.st_mode)) return write_through(path, bytes);
    return refuse_kind(path, link.st_mode);
  }
  // A link whose target does not exist yet is replaced by the file, as a missing path would be.
  if (::stat(path.c_str(), &st) != 0) return write_atomic(path, bytes, mode);
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return write_through(path, bytes);
  if (!S_ISREG(st.st_mode)) return refuse_kind(path, st.st_mode);
  Result<std::string> target = resolve(path);
  if (!target) return target.error();
  return write_atomic(*target, bytes, mode);
}

Status replace_file_atomic(const std::string& path, std::string_view bytes) {
  // Rewrite what a symbolic link points to, not the link, and keep the file's permissions.
  Result<std::string> target = resolve(path);
  if (!target) return target.error();
  struct stat st;
  if (::stat(target->c_str(), &st) != 0) return io_error(path, "cannot stat");
  if (!S_ISREG(st.st_mode)) {
    return Error::make(ExitCode::kIoError, path, "cannot rewrite in place: not a regular file");
  }
  return write_atomic(*target, bytes, st.st_mode & 07777);
}

}  // namespace cmdm
