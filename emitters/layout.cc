// Writes a build output directory: checked paths, compare-before-write, atomic replacement,
// and removal of what the previous manifest listed but this build no longer produces.
#include "emitters/layout.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>

#include "plist/file_io.h"

namespace cmdm::emitters {

namespace {

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Error io_error(const std::string& path, const std::string& what) {
  return Error::make(ExitCode::kIoError, path, what);
}

// Creates `dir` and its parents; refuses to follow into something that is not a directory.
Status make_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(dir, "cannot create directory: " + ec.message());
  return Ok{};
}

// True when `path` is a regular file holding exactly `bytes`.
bool same_bytes(const std::string& path, std::string_view bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (static_cast<std::size_t>(st.st_size) != bytes.size()) return false;
  Result<std::string> old = read_file(path);
  return old.ok() && *old == bytes;
}

// Writes `bytes` to a new temporary file next to `path` and returns its name; the caller renames
// it into place once every file of the build is on disk.
Result<std::string> write_temporary(const std::string& path, std::string_view bytes) {
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return io_error(path, std::string("cannot create temporary file: ") + std::strerror(errno));
  std::string_view left = bytes;
  while (!left.empty()) {
    ssize_t n = ::write(fd, left.data(), left.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = io_error(path, std::string("cannot write: ") + std::strerror(errno));
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    left.remove_prefix(static_cast<std::size_t>(n));
  }
  // mkstemp creates 0600; give the file the mode a plain open() would (0666 less the umask).
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (::close(fd) != 0) {
    Error e = io_error(path, std::string("cannot write: ") + std::strerror(errno));
    ::unlink(tmp.c_str());
    return e;
  }
  return tmp;
}

}  // namespace

std::string file_name_for(std::string_view identifier) {
  bool plain = !identifier.empty() && identifier.front() != '.';
  for (char c : identifier) plain = plain && plain_char(c);
  if (plain) return std::string(identifier);
  std::string out;
  for (char c : identifier) out += plain_char(c) ? c : '_';
  if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
  if (out.size() > 200) out.resize(200);  // keep names well under NAME_MAX with the suffixes
  return out + "~" + sha256_hex(identifier).substr(0, 8);
}

std::string profile_path(std::string_view identifier) {
  return "profiles/" + file_name_for(identifier) + ".mobileconfig";
}

std::string command_path(const Target& target, std::string_view identifier, bool install) {
  return "commands/" + std::string(target.name) + "/" + file_name_for(identifier) +
         (install ? ".install." : ".remove.") + std::string(target.body_extension);
}

Status check_relative_path(std::string_view path) {
  auto bad = [&](const std::string& why) {
    return Error::make(ExitCode::kDataError, std::string(path), "unsafe artifact path: " + why);
  };
  if (path.empty()) return bad("empty");
  if (path.size() > 1024) return bad("longer than 1024 bytes");
  if (path.front() == '/') return bad("absolute");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    if (part.empty()) return bad("empty path component");
    if (part == "." || part == "..") return bad("'.' or '..' component");
    start = slash + 1;
  }
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7F) return bad("control character");
    if (c == '\\') return bad("backslash");
  }
  return Ok{};
}

Result<WriteStats> write_layout(const std::string& out_dir,
                                const std::vector<Artifact>& artifacts) {
  WriteStats stats;
  for (const Artifact& a : artifacts) {
    if (Status s = check_relative_path(a.path); !s) return s.error();
  }
  if (Status s = make_dirs(out_dir); !s) return s.error();
  std::string root = out_dir;
  if (root.back() != '/') root += '/';

  // What the previous build produced, so files it no longer makes can be removed.
  std::vector<std::string> previous;
  if (Result<std::string> old = read_file(root + "manifest.json"); old.ok()) {
    if (Result<Manifest> m = read_manifest(*old); m.ok()) {
      for (const Manifest::File& f : m->files) previous.push_back(f.path);
    }
  }

  // Changed files go to temporary files first and are renamed into place only once all of them
  // were written, so a failed run changes nothing and a name only ever holds a complete file.
  // Unlike write_file_atomic there is no fsync per file: on a 10,000-profile build that is the
  // difference between seconds and minutes, and a global sync() waits for every other process's
  // writes. After a power loss a file may be stale or empty, which readers detect: the manifest
  // carries every artifact's SHA-256 and the bundle reader and dispatcher check them.
  std::set<std::string> produced;
  std::vector<std::pair<std::string, std::string>> pending;  // temporary, final
  auto discard = [&] {
    for (const auto& [tmp, final_path] : pending) ::unlink(tmp.c_str());
  };
  std::set<std::string> made_dirs;
  const Artifact* manifest = nullptr;
  auto stage = [&](const Artifact& a) -> Status {
    std::string full = root + a.path;
    std::string dir = full.substr(0, full.rfind('/'));
    if (made_dirs.insert(dir).second) {
      if (Status s = make_dirs(dir); !s) return s;
    }
    if (same_bytes(full, a.bytes)) {
      ++stats.unchanged;
      return Ok{};
    }
    Result<std::string> tmp = write_temporary(full, a.bytes);
    if (!tmp) return tmp.error();
    pending.emplace_back(std::move(*tmp), std::move(full));
    ++stats.written;
    return Ok{};
  };
  for (const Artifact& a : artifacts) {
    produced.insert(a.path);
    if (a.path == "manifest.json") {
      manifest = &a;
      continue;
    }
    if (Status s = stage(a); !s) {
      discard();
      return s.error();
    }
  }
  // The manifest goes last, so it never describes files that are not in place yet.
  if (manifest) {
    if (Status s = stage(*manifest); !s) {
      discard();
      return s.error();
    }
  }
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (::rename(pending[i].first.c_str(), pending[i].second.c_str()) != 0) {
      Error e = io_error(pending[i].second, std::string("cannot rename into place: ") + std::strerror(errno));
      for (std::size_t j = i; j < pending.size(); ++j) ::unlink(pending[j].first.c_str());
      return e;
    }
  }
  for (const std::string& path : previous) {
    if (produced.count(path) || !check_relative_path(path).ok()) continue;
    std::string full = root + path;
    if (::unlink(full.c_str()) == 0) {
      ++stats.removed;
    } else if (errno != ENOENT) {
      return io_error(full, std::string("cannot remove stale artifact: ") + std::strerror(errno));
    }
  }
  return stats;
}

}  // namespace cmdm::emitters
