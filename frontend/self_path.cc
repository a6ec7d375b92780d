// The platform's "where am I" (frontend/self_path.h), kept to this file.
#include "frontend/self_path.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

namespace cmdm::frontend {

namespace {

// The path the system reports for the running executable, links not yet resolved.
Result<std::string> reported_path() {
#ifdef __APPLE__
  std::uint32_t size = 0;
  ::_NSGetExecutablePath(nullptr, &size);  // sets the size needed
  std::vector<char> buffer(size + 1, '\0');
  if (::_NSGetExecutablePath(buffer.data(), &size) != 0) {
    return Error::make(ExitCode::kInternal, "", "cannot find the running executable");
  }
  return std::string(buffer.data());
#else
  return std::string("/proc/self/exe");
#endif
}

}  // namespace

Result<std::string> executable_path() {
  Result<std::string> reported = reported_path();
  if (!reported) return reported.error();
  char resolved[PATH_MAX];
  if (::realpath(reported->c_str(), resolved) == nullptr) {
    return Error::make(
        ExitCode::kInternal, *reported,
        std::string("cannot resolve the running executable: ") + std::strerror(errno));
  }
  return std::string(resolved);
}

Result<std::string> cmdm_beside(const std::string& front_end, const std::string& relative_to_bin) {
  const std::string::size_type slash = front_end.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : front_end.substr(0, slash);
  const std::string candidates[] = {directory + "/" + relative_to_bin, directory + "/../cli/cmdm"};
  for (const std::string& candidate : candidates) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return Error::make(ExitCode::kUnavailable, front_end,
                     "cmdm is not installed beside this front end (looked for " + candidates[0] +
                         " and " + candidates[1] + ")");
}

}  // namespace cmdm::frontend
