// Permission and symbolic-link checks for the ledger, its lock and the configuration (POSIX).
#include "dispatcher/private_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace cmdm::dispatcher {

namespace {

Error io_error(const std::string& path, const std::string& what) {
  return Error::make(ExitCode::kIoError, path, what + ": " + std::strerror(errno));
}

std::string parent_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status check_directory(const std::string& dir, const struct stat& st) {
  if (S_ISLNK(st.st_mode)) {
    return Error::make(ExitCode::kIoError, dir,
                       "is a symbolic link; the directory of cmdm's state must be a real "
                       "directory");
  }
  if (!S_ISDIR(st.st_mode)) return Error::make(ExitCode::kIoError, dir, "is not a directory");
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    return Error::make(
        ExitCode::kIoError, dir,
        "belongs to user " + std::to_string(st.st_uid) + "; it must belong to this user or root");
  }
  // Not even a sticky directory such as /tmp: another user could create the ledger's -wal or
  // -shm file there before SQLite does.
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return Error::make(ExitCode::kIoError, dir,
                       "is writable by other users (fix: chmod go-w '" + dir + "')");
  }
  return Ok{};
}

}  // namespace

Status check_private_parent(const std::string& path) {
  const std::string dir = parent_of(path);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return io_error(dir, "cannot inspect the directory");
    if (::mkdir(dir.c_str(), 0700) != 0) return io_error(dir, "cannot create the directory");
    if (::lstat(dir.c_str(), &st) != 0) return io_error(dir, "cannot inspect the directory");
  }
  return check_directory(dir, st);
}

Result<int> open_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errno == ELOOP
               ? Error::make(ExitCode::kIoError, path, "is a symbolic link; refusing to follow it")
               : io_error(path, "cannot open");
  }
  struct stat st;
  const char* problem = nullptr;
  if (::fstat(fd, &st) != 0) {
    problem = "cannot inspect";
  } else if (!S_ISREG(st.st_mode)) {
    problem = "is not a regular file";
  } else if (st.st_uid != ::geteuid()) {
    problem = "belongs to another user";
  } else if ((st.st_mode & 077) != 0 && ::fchmod(fd, st.st_mode & 0700) != 0) {
    problem = "cannot remove group and other permissions";
  }
  if (problem == nullptr) return fd;
  Error error = Error::make(ExitCode::kIoError, path, problem);
  ::close(fd);
  return error;
}

Result<ExclusiveLock> ExclusiveLock::acquire(const std::string& path,
                                             std::chrono::milliseconds timeout) {
  Result<int> fd = open_private_file(path);
  if (!fd) return fd.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Polling instead of a blocking flock: a blocking call cannot be given a timeout portably.
  while (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      Error error = io_error(path, "cannot lock");
      ::close(*fd);
      return error;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(*fd);
      return Error::make(ExitCode::kUnavailable, path,
                         "another cmdm process holds this lock (waited " +
                             std::to_string(timeout.count()) +
                             " ms); only one apply runs at a time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ExclusiveLock(*fd);
}

ExclusiveLock::~ExclusiveLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the lock
}

Status check_not_shared(int fd, const std::string& shown) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return io_error(shown, "cannot inspect");
  if ((st.st_mode & 077) == 0) return Ok{};
  return Error::make(
      ExitCode::kUsage, shown,
      "holds secrets and is readable or writable by other users; fix: chmod 600 '" + shown + "'");
}

}  // namespace cmdm::dispatcher
