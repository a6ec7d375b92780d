// Whole-file reads and atomic writes (POSIX).
#include "plist/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>

namespace cmdm {

namespace {

Error io_error(const std::string& path, const std::string& what) {
  return Error::make(ExitCode::kIoError, path, what + ": " + std::strerror(errno));
}

}  // namespace

Result<std::string> read_file(const std::string& path) {
  std::string out;
  int fd = path == "-" ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot open");
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = io_error(path, "cannot read");
      if (fd != 0) ::close(fd);
      return e;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (fd != 0) ::close(fd);
  return out;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
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

Status write_atomic(const std::string& path, std::string_view bytes, mode_t mode) {
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return io_error(path, "cannot create temporary file");
  if (!write_all(fd, bytes) || ::fsync(fd) != 0) {
    Error e = io_error(path, "cannot write");
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  // mkstemp creates 0600; give the file the mode the caller asked for.
  ::fchmod(fd, mode);
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

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    if (!std::cout) return Error::make(ExitCode::kIoError, "-", "cannot write standard output");
    return Ok{};
  }
  // The mode a plain open() would give: 0666 less the umask.
  return write_atomic(path, bytes, 0666 & ~process_umask());
}

Status replace_file_atomic(const std::string& path, std::string_view bytes) {
  // Rewrite what a symbolic link points to, not the link, and keep the file's permissions.
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return io_error(path, "cannot resolve");
  std::string target = resolved;
  std::free(resolved);
  struct stat st;
  if (::stat(target.c_str(), &st) != 0) return io_error(path, "cannot stat");
  return write_atomic(target, bytes, st.st_mode & 07777);
}

}  // namespace cmdm
