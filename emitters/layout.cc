// Writes a build output directory: checked paths, compare-before-write, a staging directory made
// live in one step, and removal of what the previous manifest listed but this build no longer
// produces (only when it is still exactly what that manifest describes). Everything inside OUT
// is reached through directory descriptors, one component at a time, never through a link.
#include "emitters/layout.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/algorithm/string/case_conv.hpp>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#if defined(__APPLE__)
#include <stdio.h>
#endif

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "emitters/manifest.h"
#include "emitters/sha256_stream.h"
#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::emitters {

namespace {

// Names a writer gives what it leaves behind while it works, so a later run recognises them.
constexpr std::string_view kStagingTag = ".cmdm-staging-";
constexpr std::string_view kTemporaryTag = ".cmdm-tmp-";

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Error sys_error(const std::string& path, const std::string& what, int err) {
  return Error::make(ExitCode::kIoError, path, what + ": " + std::strerror(err));
}

// Why a directory inside OUT could not be opened, in words a user can act on.
Error dir_error(const std::string& path, int err) {
  if (err == ELOOP || err == ENOTDIR) {
    return Error::make(ExitCode::kIoError, path,
                       "is a symbolic link or not a directory; cmdm does not write through links "
                       "inside the output directory");
  }
  return sys_error(path, "cannot open directory", err);
}

std::string join(std::string_view dir, std::string_view rel) {
  if (rel.empty()) return std::string(dir);
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  return out + std::string(rel);
}

// "a/b/c" -> {"a/b", "c"}; "c" -> {"", "c"}.
std::pair<std::string_view, std::string_view> split_parent(std::string_view path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {{}, path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Opens directory `name` in `dir` without following a link; creates it first when asked (0777
// less the umask, as mkdir gives). -1 with errno on failure.
int open_subdir(int dir, const std::string& name, bool create) {
  int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT || !create) return fd;
  if (::mkdirat(dir, name.c_str(), 0777) != 0 && errno != EEXIST) return -1;
  return ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

// Descriptors of the directories under one root, by relative path, each opened from its parent.
class DirTree {
 public:
  explicit DirTree(int root) : root_(root) {}
  // The directory `rel` ("" is the root); -1 with errno when it cannot be opened or created.
  int get(std::string_view rel, bool create) {
    if (rel.empty()) return root_;
    auto it = fds_.find(rel);
    if (it != fds_.end()) return it->second.get();
    auto [parent_rel, name] = split_parent(rel);
    int parent = get(parent_rel, create);
    if (parent < 0) return -1;
    int fd = open_subdir(parent, std::string(name), create);
    if (fd < 0) return -1;
    fds_.emplace(std::string(rel), Fd(fd));
    return fd;
  }

 private:
  int root_;
  std::map<std::string, Fd, std::less<>> fds_;
};

// Opens `name` in `dir` for reading only when it is a regular file (never a link, never a FIFO
// that would block); -1 otherwise.
int open_regular(int dir, const std::string& name, struct stat* st) {
  int fd = ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  if (::fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads up to `n` bytes (fewer only at end of file); false on error.
bool read_some(int fd, char* buf, std::size_t n, std::size_t* got) {
  *got = 0;
  while (*got < n) {
    ssize_t r = ::read(fd, buf + *got, n - *got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) break;
    *got += static_cast<std::size_t>(r);
  }
  return true;
}

// True when `name` in `dir` is a regular file holding exactly `bytes`.
bool same_bytes_at(int dir, const std::string& name, std::string_view bytes) {
  struct stat st;
  Fd fd(open_regular(dir, name, &st));
  if (!fd || static_cast<std::uint64_t>(st.st_size) != bytes.size()) return false;
  char buf[65536];
  std::size_t pos = 0;
  for (;;) {
    std::size_t got = 0;
    if (!read_some(fd.get(), buf, sizeof buf, &got)) return false;
    if (got == 0) return pos == bytes.size();
    if (got > bytes.size() - pos || bytes.compare(pos, got, std::string_view(buf, got)) != 0) {
      return false;
    }
    pos += got;
  }
}

// True when two open regular files hold the same bytes.
bool same_contents(int a, int b) {
  struct stat sa, sb;
  if (::fstat(a, &sa) != 0 || ::fstat(b, &sb) != 0 || sa.st_size != sb.st_size) return false;
  if (::lseek(a, 0, SEEK_SET) != 0 || ::lseek(b, 0, SEEK_SET) != 0) return false;
  char ba[65536], bb[65536];
  for (;;) {
    std::size_t ga = 0, gb = 0;
    if (!read_some(a, ba, sizeof ba, &ga) || !read_some(b, bb, sizeof bb, &gb)) return false;
    if (ga != gb || std::memcmp(ba, bb, ga) != 0) return false;
    if (ga == 0) return true;
  }
}

// True when `name` in `dir` is a regular file of the size and SHA-256 the manifest lists.
bool matches_listed(int dir, const std::string& name, const Manifest::File& listed) {
  struct stat st;
  Fd fd(open_regular(dir, name, &st));
  if (!fd || static_cast<std::uint64_t>(st.st_size) != listed.size) return false;
  Sha256Stream hash;
  char buf[65536];
  for (;;) {
    std::size_t got = 0;
    if (!read_some(fd.get(), buf, sizeof buf, &got)) return false;
    if (got == 0) break;
    hash.update(std::string_view(buf, got));
  }
  auto md = hash.finish();
  return plist::hex(md.data(), md.size()) == listed.sha256;
}

// Creates `name` in `dir` (it must not exist) holding `bytes`; 0 or the errno of the failure.
// Mode 0666 less the umask, applied by open() itself, as for any file a tool writes.
int write_new_at(int dir, const std::string& name, std::string_view bytes) {
  int fd = ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return errno;
  int err = write_all(fd, bytes) ? 0 : errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) ::unlinkat(dir, name.c_str(), 0);
  return err;
}

// Removes `name` in `dir` and, for a directory, everything below it; links are removed, never
// followed. Best effort: what cannot be removed stays for the next run.
void remove_tree_at(int dir, const std::string& name) {
  struct stat st;
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    ::unlinkat(dir, name.c_str(), 0);
    return;
  }
  int fd = open_subdir(dir, name, false);
  if (fd < 0) return;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  for (const std::string& n : names) remove_tree_at(::dirfd(d), n);
  ::closedir(d);
  ::unlinkat(dir, name.c_str(), AT_REMOVEDIR);
}

// The names in directory `dir` (without "." and ".."); empty when it cannot be listed.
std::vector<std::string> list_dir(int dir) {
  std::vector<std::string> names;
  int fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return names;
  }
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  return names;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Removes staging directories in `dir` whose name starts with `prefix` and that no running
// writer holds locked: what a killed build left (each writer keeps its staging directory
// flock()ed until it is done).
void remove_leftovers(int dir, const std::string& prefix) {
  for (const std::string& name : list_dir(dir)) {
    if (!starts_with(name, prefix)) continue;
    Fd fd(open_subdir(dir, name, false));
    if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;
    remove_tree_at(dir, name);
  }
}

// Exchanges two entries of `dir` in one step; -1 with errno (ENOSYS where the system has no
// such call) on failure.
int exchange_at(int dir, const std::string& a, const std::string& b) {
#if defined(__linux__) && defined(SYS_renameat2)
  constexpr unsigned kRenameExchange = 1u << 1;  // RENAME_EXCHANGE, <linux/fs.h>
  return static_cast<int>(
      ::syscall(SYS_renameat2, dir, a.c_str(), dir, b.c_str(), kRenameExchange));
#elif defined(__APPLE__) && defined(RENAME_SWAP)
  return ::renameatx_np(dir, a.c_str(), dir, b.c_str(), RENAME_SWAP);
#else
  (void)dir, (void)a, (void)b;
  errno = ENOSYS;
  return -1;
#endif
}

// Errors after which a link or an exchange is simply not possible here, and the writer falls
// back to renaming files into place one by one.
bool unsupported(int err) {
  return err == EINVAL || err == ENOSYS || err == ENOTSUP || err == EOPNOTSUPP || err == EXDEV ||
         err == EPERM || err == EMLINK || err == EBUSY || err == EACCES;
}

// Files an older cmdm wrote beside each artifact and renamed into place: "<name>.tmp.<pid>.<n>".
// `base` receives "<name>".
bool old_temporary_name(std::string_view name, std::string* base) {
  std::size_t last = name.rfind('.');
  if (last == std::string_view::npos || last + 1 == name.size()) return false;
  std::size_t mid = name.rfind('.', last - 1);
  if (mid == std::string_view::npos || mid + 1 == last || mid < 4) return false;
  auto digits = [](std::string_view s) {
    return s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (!digits(name.substr(last + 1)) || !digits(name.substr(mid + 1, last - mid - 1))) return false;
  if (name.substr(mid - 4, 4) != ".tmp") return false;
  *base = std::string(name.substr(0, mid - 4));
  return true;
}

}  // namespace

std::string file_name_for(std::string_view identifier) {
  // Longer names are capped and hashed below, so a long identifier never exceeds NAME_MAX.
  bool plain = !identifier.empty() && identifier.size() <= 200 && identifier.front() != '.';
  for (char c : identifier) plain = plain && plain_char(c);
  if (plain) return std::string(identifier);
  std::string out;
  for (char c : identifier) out += plain_char(c) ? c : '_';
  // Never a hidden file: ".GlobalPreferences" becomes "_.GlobalPreferences~<hash>", "" "_~<hash>".
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

namespace {

// The identifier a layout file name was made from: the name without its directory and its
// ".mobileconfig" or ".install.<ext>"/".remove.<ext>" ending (exact for plain identifiers).
std::string identifier_of(std::string_view path) {
  std::string_view name = split_parent(path).second;
  for (std::string_view end : {".install.", ".remove."}) {
    std::size_t at = name.rfind(end);
    if (at != std::string_view::npos) return std::string(name.substr(0, at));
  }
  constexpr std::string_view kProfile = ".mobileconfig";
  if (name.size() > kProfile.size() && name.substr(name.size() - kProfile.size()) == kProfile) {
    name.remove_suffix(kProfile.size());
  }
  return std::string(name);
}

}  // namespace

std::string fold_case(std::string_view path) {
  return boost::algorithm::to_lower_copy(std::string(path), std::locale::classic());
}

Status check_case_collisions(const std::vector<Artifact>& artifacts) {
  std::map<std::string, const Artifact*> seen;  // case-folded path -> first artifact
  for (const Artifact& a : artifacts) {
    auto [it, inserted] = seen.emplace(fold_case(a.path), &a);
    if (inserted || it->second->path == a.path) continue;
    const std::string& first = it->second->path;
    return Error::make(ExitCode::kDataError, a.path,
                       "identifiers '" + identifier_of(first) + "' and '" + identifier_of(a.path) +
                           "' differ only in case: " + first + " and " + a.path +
                           " would be one file on a case-insensitive volume (macOS); rename one "
                           "of them");
  }
  return Ok{};
}

// How the staging directory becomes OUT (layout.h).
enum class Commit { kRename, kExchange, kFileByFile };

class LayoutWriter::Impl {
 public:
  Status open(const std::string& out_dir);
  Status add(std::string_view path, std::string_view bytes);
  Status begin_file(std::string_view path);
  Status append(std::string_view bytes);
  Status end_file();
  Result<WriteStats> commit();
  ~Impl();

 private:
  Status locate(const std::string& out_dir);
  void read_previous_manifest();
  Status make_staging();
  Status claim(std::string_view path);
  int staging_dir_for(std::string_view path, Error* error);
  void keep_unchanged(std::string_view path);
  Status link_unchanged();
  bool already_in_place();
  Status carry_over(int from, int to, const std::string& prefix);
  Status carry_entry(int from, int to, const std::string& name, const std::string& rel);
  Result<bool> commit_exchange();
  Result<WriteStats> commit_file_by_file();
  Error interrupted() const { return interrupted_error(out_dir_); }

  WriteInProgress writing_;  // a SIGTERM now waits for this writer to clean up
  std::string out_dir_;      // as the user named it, for messages
  Commit commit_ = Commit::kRename;
  Fd parent_;              // the directory holding OUT (rename, exchange)
  std::string out_name_;   // OUT's name in parent_
  Fd out_;                 // OUT when it exists
  int stage_holder_ = -1;  // parent_ or out_: where the staging directory is
  std::string stage_name_;
  Fd stage_;  // flock()ed while this writer lives
  std::unique_ptr<DirTree> stage_tree_, out_tree_;
  std::map<std::string, Manifest::File, std::less<>> previous_;  // what the old manifest lists
  std::set<std::string, std::less<>> produced_, produced_dirs_;
  std::vector<std::string> new_files_;  // written into staging, in order (not manifest.json)
  std::vector<std::string> unchanged_;  // already right in OUT (exchange only)
  bool new_manifest_ = false;
  bool committed_ = false;
  WriteStats stats_;
  // The file being streamed (begin_file .. end_file).
  Fd current_;
  std::string current_path_;
  int current_dir_ = -1;
};

Status LayoutWriter::Impl::open(const std::string& out_dir) {
  out_dir_ = out_dir;
  if (Status s = locate(out_dir); !s) return s;
  read_previous_manifest();
  // Staging directories of killed runs: beside OUT, and inside it (file-by-file commits).
  if (parent_) {
    remove_leftovers(parent_.get(), "." + out_name_ + std::string(kStagingTag));
    remove_leftovers(parent_.get(), "." + out_name_ + ".tmp.");  // older cmdm's staging names
  }
  if (out_) remove_leftovers(out_.get(), std::string(kStagingTag));
  return make_staging();
}

// Decides how the commit will go: OUT missing (rename a new directory into place), OUT an
// ordinary directory (exchange), or OUT that cannot be swapped ("." or a mount point).
Status LayoutWriter::Impl::locate(const std::string& out_dir) {
  std::string path = out_dir;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) return Error::make(ExitCode::kUsage, out_dir, "empty output directory name");
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) return sys_error(out_dir, "cannot open output directory", errno);
  const std::string last = std::filesystem::path(path).filename().string();
  if (fd < 0) {
    if (last == "." || last == "..")
      return sys_error(out_dir, "cannot open output directory", ENOENT);
    std::string parent = std::filesystem::path(path).parent_path().string();
    if (parent.empty()) parent = ".";
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      return Error::make(ExitCode::kIoError, parent, "cannot create directory: " + ec.message());
    parent_.reset(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent_) return sys_error(parent, "cannot open directory", errno);
    out_name_ = last;
    commit_ = Commit::kRename;
    return Ok{};
  }
  out_.reset(fd);
  out_tree_ = std::make_unique<DirTree>(out_.get());
  commit_ = Commit::kFileByFile;
  // Swapping OUT moves it away from under anyone inside it; never do that to the current
  // directory, however it is named ("." or "../out" from inside out).
  struct stat cwd_st, here_st;
  if (last == "." || last == ".." ||
      (::stat(".", &cwd_st) == 0 && ::fstat(out_.get(), &here_st) == 0 &&
       cwd_st.st_dev == here_st.st_dev && cwd_st.st_ino == here_st.st_ino)) {
    return Ok{};
  }
  char* real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr) return Ok{};
  std::filesystem::path resolved(real);
  std::free(real);
  if (resolved == resolved.root_path()) return Ok{};
  parent_.reset(::open(resolved.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  struct stat out_st, parent_st;
  if (!parent_ || ::fstat(out_.get(), &out_st) != 0 || ::fstat(parent_.get(), &parent_st) != 0 ||
      out_st.st_dev != parent_st.st_dev) {
    parent_.reset();  // a mount point: cannot be renamed
    return Ok{};
  }
  out_name_ = resolved.filename().string();
  commit_ = Commit::kExchange;
  return Ok{};
}

void LayoutWriter::Impl::read_previous_manifest() {
  if (!out_) return;
  struct stat st;
  Fd fd(open_regular(out_.get(), "manifest.json", &st));
  if (!fd) return;
  Result<std::string> text = read_all(fd.get(), join(out_dir_, "manifest.json"));
  if (!text) return;
  Result<Manifest> m = read_manifest(*text);
  if (!m) return;
  for (Manifest::File& f : m->files) {
    if (check_relative_path(f.path).ok()) previous_.emplace(f.path, std::move(f));
  }
}

// Creates and locks the staging directory: beside OUT when it will be renamed or exchanged,
// inside OUT when files will be renamed one by one (renames stay within one file system).
Status LayoutWriter::Impl::make_staging() {
  static std::atomic<unsigned long> counter{0};  // a relay may write several layouts at once
  stage_holder_ = commit_ == Commit::kFileByFile ? out_.get() : parent_.get();
  const std::string prefix = (commit_ == Commit::kFileByFile ? "" : "." + out_name_) +
                             std::string(kStagingTag) + std::to_string(::getpid()) + "-";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = prefix + std::to_string(counter++);
    if (::mkdirat(stage_holder_, name.c_str(), 0777) != 0) {
      if (errno == EEXIST) continue;
      // OUT is writable but the directory holding it is not: stage inside OUT instead.
      if (commit_ == Commit::kExchange && (errno == EACCES || errno == EPERM || errno == EROFS)) {
        commit_ = Commit::kFileByFile;
        return make_staging();
      }
      return sys_error(out_dir_, "cannot create a staging directory", errno);
    }
    stage_name_ = name;
    stage_.reset(open_subdir(stage_holder_, name, false));
    if (!stage_) return sys_error(out_dir_, "cannot open the staging directory", errno);
    ::flock(stage_.get(), LOCK_EX | LOCK_NB);
    stage_tree_ = std::make_unique<DirTree>(stage_.get());
    if (commit_ == Commit::kExchange) {
      // The exchanged directory takes OUT's place: give it OUT's permissions (and owner, as root).
      struct stat st;
      if (::fstat(out_.get(), &st) == 0) {
        ::fchmod(stage_.get(), st.st_mode & 07777);
        if (::geteuid() == 0) (void)::fchown(stage_.get(), st.st_uid, st.st_gid);
      }
    }
    return Ok{};
  }
  return Error::make(ExitCode::kIoError, out_dir_,
                     "cannot create a staging directory: names taken");
}

LayoutWriter::Impl::~Impl() {
  current_.reset();
  if (!committed_ && !stage_name_.empty()) remove_tree_at(stage_holder_, stage_name_);
}

// Checks `path` and records it, and every directory above it, as this build's.
Status LayoutWriter::Impl::claim(std::string_view path) {
  if (interrupt_signal()) return interrupted();
  if (Status s = check_relative_path(path); !s) return s;
  if (!produced_.emplace(path).second) {
    return Error::make(ExitCode::kInternal, std::string(path), "artifact listed twice");
  }
  for (std::string_view dir = split_parent(path).first; !dir.empty();
       dir = split_parent(dir).first) {
    produced_dirs_.emplace(dir);
  }
  return Ok{};
}

int LayoutWriter::Impl::staging_dir_for(std::string_view path, Error* error) {
  std::string_view dir_rel = split_parent(path).first;
  int dir = stage_tree_->get(dir_rel, true);
  if (dir < 0) *error = dir_error(join(out_dir_, dir_rel), errno);
  return dir;
}

// An unchanged file stays as it is. For an exchange it is hard-linked into the new tree at commit
// (same inode, so its mtime stays), and only when something else changed; when files are renamed
// one by one it is simply left alone.
void LayoutWriter::Impl::keep_unchanged(std::string_view path) {
  if (commit_ == Commit::kExchange) unchanged_.emplace_back(path);
  ++stats_.unchanged;
}

// Links the unchanged files into the staging tree; where the file system cannot link, the commit
// becomes file by file (OUT's own copies are already right).
Status LayoutWriter::Impl::link_unchanged() {
  for (const std::string& path : unchanged_) {
    auto [dir_rel, name_view] = split_parent(path);
    const std::string name(name_view);
    int from = out_tree_->get(dir_rel, false);
    int to = stage_tree_->get(dir_rel, true);
    if (from < 0 || to < 0) return dir_error(join(out_dir_, dir_rel), errno);
    if (::linkat(from, name.c_str(), to, name.c_str(), 0) != 0) {
      if (!unsupported(errno))
        return sys_error(join(out_dir_, path), "cannot link unchanged file", errno);
      commit_ = Commit::kFileByFile;
      return Ok{};
    }
  }
  return Ok{};
}

// True when OUT already is this build: nothing written, no stale artifact to remove, no older
// cmdm's temporary file beside an artifact. Then there is nothing to commit.
bool LayoutWriter::Impl::already_in_place() {
  if (stats_.written != 0) return false;
  for (const auto& [path, listed] : previous_) {
    if (produced_.count(path)) continue;
    auto [dir_rel, name_view] = split_parent(path);
    int dir = out_tree_->get(dir_rel, false);
    if (dir >= 0 && matches_listed(dir, std::string(name_view), listed)) return false;
  }
  std::set<std::string> dirs(produced_dirs_.begin(), produced_dirs_.end());
  dirs.insert("");
  for (const std::string& dir_rel : dirs) {
    int dir = out_tree_->get(dir_rel, false);
    if (dir < 0) continue;
    for (const std::string& name : list_dir(dir)) {
      std::string base;
      if (old_temporary_name(name, &base)) return false;
    }
  }
  return true;
}

Status LayoutWriter::Impl::add(std::string_view path, std::string_view bytes) {
  if (Status s = claim(path); !s) return s;
  auto [dir_rel, name_view] = split_parent(path);
  const std::string name(name_view);
  if (out_tree_ && commit_ != Commit::kRename) {
    int old_dir = out_tree_->get(dir_rel, false);
    if (old_dir >= 0 && same_bytes_at(old_dir, name, bytes)) {
      keep_unchanged(path);
      return Ok{};
    }
  }
  Error error;
  int dir = staging_dir_for(path, &error);
  if (dir < 0) return error;
  if (int err = write_new_at(dir, name, bytes); err != 0) {
    return sys_error(join(out_dir_, path), "cannot write", err);
  }
  if (path == "manifest.json") {
    new_manifest_ = true;
  } else {
    new_files_.emplace_back(path);
  }
  ++stats_.written;
  return Ok{};
}

Status LayoutWriter::Impl::begin_file(std::string_view path) {
  if (Status s = claim(path); !s) return s;
  Error error;
  current_dir_ = staging_dir_for(path, &error);
  if (current_dir_ < 0) return error;
  current_path_ = std::string(path);
  const std::string name(split_parent(path).second);
  current_.reset(::openat(current_dir_, name.c_str(),
                          O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (!current_) return sys_error(join(out_dir_, path), "cannot write", errno);
  return Ok{};
}

Status LayoutWriter::Impl::append(std::string_view bytes) {
  if (interrupt_signal()) return interrupted();
  if (!write_all(current_.get(), bytes)) {
    return sys_error(join(out_dir_, current_path_), "cannot write", errno);
  }
  return Ok{};
}

// A streamed file that turns out to equal OUT's is dropped from staging and kept as unchanged.
Status LayoutWriter::Impl::end_file() {
  const std::string path = std::exchange(current_path_, {});
  auto [dir_rel, name_view] = split_parent(path);
  const std::string name(name_view);
  if (out_tree_ && commit_ != Commit::kRename) {
    int old_dir = out_tree_->get(dir_rel, false);
    struct stat st;
    Fd old(old_dir >= 0 ? open_regular(old_dir, name, &st) : -1);
    if (old && same_contents(old.get(), current_.get())) {
      current_.reset();
      ::unlinkat(current_dir_, name.c_str(), 0);
      keep_unchanged(path);
      return Ok{};
    }
  }
  if (::close(current_.release()) != 0)
    return sys_error(join(out_dir_, path), "cannot write", errno);
  if (path == "manifest.json") {
    new_manifest_ = true;
  } else {
    new_files_.push_back(path);
  }
  ++stats_.written;
  return Ok{};
}

// Copies into the staging tree, as hard links, everything in OUT that this build does not
// produce and that is not a stale artifact: files of other tools, the bundle, anything the user
// put there. Links are copied as links, never followed. An entry where this build needs a
// directory (a link planted at OUT/profiles) is dropped: the new tree has the real directory.
Status LayoutWriter::Impl::carry_over(int from, int to, const std::string& prefix) {
  for (const std::string& name : list_dir(from)) {
    if (prefix.empty() && starts_with(name, kStagingTag)) continue;  // a killed run's leftovers
    if (Status s = carry_entry(from, to, name, prefix + name); !s) return s;
    if (commit_ != Commit::kExchange) return Ok{};
  }
  return Ok{};
}

Status LayoutWriter::Impl::carry_entry(int from, int to, const std::string& name,
                                       const std::string& rel) {
  struct stat st;
  if (::fstatat(from, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Ok{};  // gone meanwhile
  if (S_ISDIR(st.st_mode)) {
    if (produced_.count(rel)) return Ok{};  // a file of this build replaces it
    int sub_to = stage_tree_->get(rel, true);
    if (sub_to < 0) return dir_error(join(out_dir_, rel), errno);
    ::fchmod(sub_to, st.st_mode & 07777);
    Fd sub_from(open_subdir(from, name, false));
    if (!sub_from) return Ok{};
    return carry_over(sub_from.get(), sub_to, rel + "/");
  }
  if (produced_.count(rel) || produced_dirs_.count(rel)) return Ok{};  // replaced by this build
  if (rel == kManifestSignatureName) {
    ++stats_.removed;  // it signed the previous manifest; this build's has none
    return Ok{};
  }
  std::string base;
  const std::string dir_prefix = rel.substr(0, rel.size() - name.size());
  if (S_ISREG(st.st_mode) && old_temporary_name(name, &base) &&
      (produced_.count(dir_prefix + base) || previous_.count(dir_prefix + base))) {
    return Ok{};  // an older cmdm's temporary file
  }
  if (name.front() == '.' && name.find(kTemporaryTag) != std::string::npos) return Ok{};
  if (auto it = previous_.find(rel);
      it != previous_.end() && matches_listed(from, name, it->second)) {
    ++stats_.removed;  // stale: the previous build wrote it, unchanged since, no longer produced
    return Ok{};
  }
  if (::linkat(from, name.c_str(), to, name.c_str(), 0) != 0) {
    if (unsupported(errno)) {
      commit_ = Commit::kFileByFile;
      return Ok{};
    }
    return sys_error(join(out_dir_, rel), "cannot link into the new output", errno);
  }
  return Ok{};
}

Result<WriteStats> LayoutWriter::Impl::commit() {
  if (current_) return Error::make(ExitCode::kInternal, out_dir_, "a file is still being written");
  if (interrupt_signal()) return interrupted();
  if (commit_ == Commit::kRename) {
    if (::renameat(parent_.get(), stage_name_.c_str(), parent_.get(), out_name_.c_str()) != 0) {
      return sys_error(out_dir_, "cannot rename the output into place", errno);
    }
    committed_ = true;
    return stats_;
  }
  if (commit_ == Commit::kExchange) {
    if (already_in_place()) return stats_;  // nothing to commit; the staging directory goes
    Result<bool> exchanged = commit_exchange();
    if (!exchanged) return exchanged.error();
    if (*exchanged) return stats_;
  }
  return commit_file_by_file();
}

// Links what OUT keeps into the staging tree and exchanges it with OUT in one step. False when
// this file system cannot link or exchange here: the caller then renames file by file.
Result<bool> LayoutWriter::Impl::commit_exchange() {
  const std::size_t removed_before = stats_.removed;
  if (Status s = link_unchanged(); !s) return s.error();
  if (commit_ == Commit::kExchange) {
    if (Status s = carry_over(out_.get(), stage_.get(), ""); !s) return s.error();
  }
  if (interrupt_signal()) return interrupted();
  if (commit_ == Commit::kExchange) {
    if (exchange_at(parent_.get(), stage_name_, out_name_) == 0) {
      committed_ = true;
      remove_tree_at(parent_.get(), stage_name_);  // the old tree, now under the staging name
      return true;
    }
    if (!unsupported(errno)) {
      return sys_error(out_dir_, "cannot exchange the new output with the old", errno);
    }
  }
  stats_.removed = removed_before;
  return false;
}

// Where OUT cannot be exchanged: every new file is renamed into OUT (directories opened without
// following links, all before the first rename), manifest.json last; then stale artifacts go.
// A SIGTERM here no longer stops the writer: the renames finish, so OUT is complete.
Result<WriteStats> LayoutWriter::Impl::commit_file_by_file() {
  std::vector<std::pair<int, int>> dirs;  // staging, OUT
  std::vector<std::string> order = new_files_;
  if (new_manifest_) order.push_back("manifest.json");
  for (const std::string& path : order) {
    std::string_view dir_rel = split_parent(path).first;
    int from = stage_tree_->get(dir_rel, false);
    int to = out_tree_->get(dir_rel, true);
    if (from < 0 || to < 0) return dir_error(join(out_dir_, dir_rel), errno);
    dirs.emplace_back(from, to);
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::string name(split_parent(order[i]).second);
    if (::renameat(dirs[i].first, name.c_str(), dirs[i].second, name.c_str()) != 0) {
      return sys_error(join(out_dir_, order[i]), "cannot rename into place", errno);
    }
  }
  committed_ = true;
  for (const auto& [path, listed] : previous_) {
    if (produced_.count(path)) continue;
    auto [dir_rel, name_view] = split_parent(path);
    const std::string name(name_view);
    int dir = out_tree_->get(dir_rel, false);
    if (dir < 0 || !matches_listed(dir, name, listed)) continue;
    if (::unlinkat(dir, name.c_str(), 0) == 0) ++stats_.removed;
  }
  remove_tree_at(stage_holder_, stage_name_);
  return stats_;
}

LayoutWriter::LayoutWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LayoutWriter::~LayoutWriter() = default;

Result<std::unique_ptr<LayoutWriter>> LayoutWriter::open(const std::string& out_dir) {
  auto impl = std::make_unique<Impl>();
  if (Status s = impl->open(out_dir); !s) return s.error();
  return std::unique_ptr<LayoutWriter>(new LayoutWriter(std::move(impl)));
}

Status LayoutWriter::add(std::string_view path, std::string_view bytes) {
  return impl_->add(path, bytes);
}
Status LayoutWriter::begin_file(std::string_view path) { return impl_->begin_file(path); }
Status LayoutWriter::append(std::string_view bytes) { return impl_->append(bytes); }
Status LayoutWriter::end_file() { return impl_->end_file(); }
Result<WriteStats> LayoutWriter::commit() { return impl_->commit(); }

Result<WriteStats> write_layout(const std::string& out_dir,
                                const std::vector<Artifact>& artifacts) {
  for (const Artifact& a : artifacts) {
    if (Status s = check_relative_path(a.path); !s) return s.error();
  }
  // Every tree written from memory (build, split) gets the same guard, before anything is written.
  if (Status s = check_case_collisions(artifacts); !s) return s.error();
  Result<std::unique_ptr<LayoutWriter>> writer = LayoutWriter::open(out_dir);
  if (!writer) return writer.error();
  for (const Artifact& a : artifacts) {
    if (Status s = (*writer)->add(a.path, a.bytes); !s) return s.error();
  }
  return (*writer)->commit();
}

Result<bool> write_file_in(const std::string& out_dir, std::string_view path,
                           std::string_view bytes) {
  if (Status s = check_relative_path(path); !s) return s.error();
  WriteInProgress writing;
  Fd out(::open(out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!out) return sys_error(out_dir, "cannot open output directory", errno);
  DirTree tree(out.get());
  auto [dir_rel, name_view] = split_parent(path);
  const std::string name(name_view);
  int dir = tree.get(dir_rel, true);
  if (dir < 0) return dir_error(join(out_dir, dir_rel), errno);
  if (same_bytes_at(dir, name, bytes)) return false;
  static std::atomic<unsigned long> counter{0};  // a relay may write several layouts at once
  std::string tmp;
  int err = EEXIST;
  for (int attempt = 0; attempt < 100 && err == EEXIST; ++attempt) {
    tmp = "." + name + std::string(kTemporaryTag) + std::to_string(::getpid()) + "-" +
          std::to_string(counter++);
    err = write_new_at(dir, tmp, bytes);
  }
  if (err != 0) return sys_error(join(out_dir, path), "cannot write", err);
  if (interrupt_signal()) {
    ::unlinkat(dir, tmp.c_str(), 0);
    return interrupted_error(join(out_dir, path));
  }
  if (::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) {
    Error e = sys_error(join(out_dir, path), "cannot rename into place", errno);
    ::unlinkat(dir, tmp.c_str(), 0);
    return e;
  }
  return true;
}

}  // namespace cmdm::emitters
