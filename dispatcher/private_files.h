// Files that hold the device's state or secrets (the ledger, its lock, the configuration): the
// checks that keep another local user from reading them, replacing them or redirecting them
// through a symbolic link.
#pragma once

#include <chrono>
#include <string>

#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

// The directory `path` would be created in: created 0700 when missing (its own parent must
// exist), otherwise it must be a real directory, not a symbolic link, owned by this user or root,
// and not writable by group or others. ExitCode::kIoError otherwise.
Status check_private_parent(const std::string& path);

// Opens `path` for reading and writing, creating it 0600 when missing, without following a
// symbolic link. An existing file must be a regular file owned by this user; group and other
// permissions are removed from it. Returns the descriptor (close-on-exec).
Result<int> open_private_file(const std::string& path);

// An exclusive advisory lock (flock) on a private lock file, held until destruction; the kernel
// releases it when the process dies, so a killed apply never leaves a stale lock.
class ExclusiveLock {
 public:
  // Waits up to `timeout` for the lock. ExitCode::kUnavailable when another holder keeps it.
  static Result<ExclusiveLock> acquire(const std::string& path, std::chrono::milliseconds timeout);
  ExclusiveLock(ExclusiveLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ExclusiveLock& operator=(ExclusiveLock&&) = delete;
  ExclusiveLock(const ExclusiveLock&) = delete;
  ~ExclusiveLock();

 private:
  explicit ExclusiveLock(int fd) : fd_(fd) {}
  int fd_;
};

// A file holding secrets must not be readable or writable by group or others: ExitCode::kUsage
// with the fix ("chmod 600 <path>") otherwise. `shown` names the file in the message.
Status check_not_shared(int fd, const std::string& shown);

}  // namespace cmdm::dispatcher
