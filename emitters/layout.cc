// Writes a build output directory: checked paths, compare-before-write, atomic replacement,
// and removal of what the previous manifest listed but this build no longer produces.
#include "emitters/layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>

#include "plist/file_io.h"
#include "plist/hash.h"

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

// Creates `path` (which must not exist) holding `bytes`; returns 0 or the errno of the failure.
// Mode 0666 less the umask, applied by open() itself, as for any file a tool writes.
int write_new_file(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return errno;
  int err = write_all(fd, bytes) ? 0 : errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) ::unlink(path.c_str());
  return err;
}

std::string write_error(int err) { return std::string("cannot write: ") + std::strerror(err); }

// Creates a new file or directory (`make` returns 0 or an errno) under a temporary name next to
// `path` and returns that name; errors name `shown` and say `what` could not be created. Names are this process's id and a counter, so no two writers
// share one; a name taken by a stale file of an earlier run with the same id is skipped. Unlike
// mkstemp/mkdtemp (mode 0600/0700), the caller creates with the mode it wants, less the umask.
template <typename Make>
Result<std::string> create_temporary(const std::string& path, const std::string& shown,
                                     const char* what, Make make) {
  static unsigned long counter = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    int err = make(tmp);
    if (err == 0) return tmp;
    if (err != EEXIST) return io_error(shown, std::string("cannot create ") + what + ": " + std::strerror(err));
  }
  return io_error(shown, std::string("cannot create ") + what + ": too many stale temporary names");
}

// Writes `bytes` to a new temporary file next to `path` and returns its name; the caller renames
// it into place once every file of the build is on disk.
Result<std::string> write_temporary(const std::string& path, std::string_view bytes) {
  return create_temporary(path, path, "a temporary file next to it",
                          [&](const std::string& tmp) { return write_new_file(tmp, bytes); });
}

// A build into a directory that does not exist yet is written whole into a hidden sibling with
// the final file names and renamed into place once complete: every file is created once and no
// file is renamed, and the directory appears with all of its files or not at all.
Result<WriteStats> write_fresh(const std::string& out_dir, const std::vector<Artifact>& artifacts) {
  std::filesystem::path out(out_dir);
  std::filesystem::path parent = out.parent_path();
  if (!parent.empty()) {
    if (Status s = make_dirs(parent.string()); !s) return s.error();
  }
  // Created 0777 less the umask, the mode a plain mkdir gives the output directory.
  Result<std::string> staged = create_temporary(
      (parent / ("." + out.filename().string())).string(), out_dir, "a staging directory next to it",
      [](const std::string& tmp) { return ::mkdir(tmp.c_str(), 0777) == 0 ? 0 : errno; });
  if (!staged) return staged.error();
  const std::string stage = std::move(*staged);
  auto discard = [&] {
    std::error_code ec;
    std::filesystem::remove_all(stage, ec);
  };
  WriteStats stats;
  std::set<std::string> made_dirs;
  for (const Artifact& a : artifacts) {
    std::string full = stage + "/" + a.path;
    std::string dir = full.substr(0, full.rfind('/'));
    if (dir != stage && made_dirs.insert(dir).second) {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) {
        discard();
        // Name the directory where it was going to be, not in the staging directory.
        return io_error(out_dir + dir.substr(stage.size()), "cannot create directory: " + ec.message());
      }
    }
    if (int err = write_new_file(full, a.bytes); err != 0) {
      discard();
      // Name the file where it was going to be, not the staging directory.
      return io_error(out_dir + "/" + a.path, write_error(err));
    }
    ++stats.written;
  }
  if (::rename(stage.c_str(), out_dir.c_str()) != 0) {
    Error e = io_error(out_dir, std::string("cannot rename the output into place: ") + std::strerror(errno));
    discard();
    return e;
  }
  return stats;
}

}  // namespace

std::string file_name_for(std::string_view identifier) {
  // Longer names are capped and hashed below, so a long identifier never exceeds NAME_MAX.
  bool plain = !identifier.empty() && identifier.size() <= 200 && identifier.front() != '.';
  for (char c : identifier) plain = plain && plain_char(c);
  if (plain) return std::string(identifier);
  std::string out;
  for (char c : identifier) out += plain_char(c) ? c : '_';
  if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
  if (out.size() > 200) out.resize(200);  // keep names well under NAME_MAX with the suffixes
  return out + "~" + plist::sha256_hex(identifier).substr(0, 8);
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
  // A missing directory named plainly (not ".", "..", or with a trailing slash) is written whole.
  const std::string last = std::filesystem::path(out_dir).filename().string();
  if (!last.empty() && last != "." && last != "..") {
    struct stat st;
    if (::lstat(out_dir.c_str(), &st) != 0 && errno == ENOENT) return write_fresh(out_dir, artifacts);
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
