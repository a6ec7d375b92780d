// Packs a build output into one zstd-compressed file and unpacks it, trusting nothing it reads:
// every length is checked against what remains before it is used.
#include "emitters/bundle.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <set>

#include "emitters/layout.h"
#include "emitters/sha256_stream.h"
#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::emitters {

namespace {

constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 8;
constexpr int kZstdLevel = 9;

void put_u16(std::string& out, std::uint16_t v) {
  for (int i = 0; i < 2; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// A cursor over untrusted bytes: every read checks the remaining length first.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool read(std::size_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool read_le(T* out) {
    std::string_view b;
    if (!read(sizeof(T), &b)) return false;
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      v |= static_cast<T>(static_cast<T>(static_cast<unsigned char>(b[i])) << (8 * i));
    }
    *out = v;
    return true;
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<std::string> write_bundle(const std::vector<Artifact>& artifacts) {
  std::vector<const Artifact*> sorted;
  const Artifact* manifest = nullptr;
  for (const Artifact& a : artifacts) {
    if (Status s = check_relative_path(a.path); !s) return s.error();
    if (a.path == "manifest.json") {
      manifest = &a;
    } else {
      sorted.push_back(&a);
    }
  }
  if (!manifest) {
    return Error::make(ExitCode::kInternal, std::string(kBundleFileName),
                       "no manifest.json to bundle");
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Artifact* a, const Artifact* b) { return a->path < b->path; });
  sorted.insert(sorted.begin(), manifest);
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->path == sorted[i - 1]->path) {
      return Error::make(ExitCode::kInternal, sorted[i]->path, "artifact listed twice");
    }
  }

  // The entry table is small; the entries' bytes are streamed into the compressor as they are,
  // so the uncompressed payload is never held in memory as one string.
  std::string table;
  std::uint64_t total = 4;
  put_u32(table, static_cast<std::uint32_t>(sorted.size()));
  for (const Artifact* a : sorted) {
    put_u16(table, static_cast<std::uint16_t>(a->path.size()));
    table += a->path;
    put_u64(table, a->bytes.size());
    auto md = plist::sha256(a->bytes);
    table.append(reinterpret_cast<const char*>(md.data()), md.size());
    total += 2 + a->path.size() + 8 + 32 + a->bytes.size();
  }

  std::string out(kBundleMagic);
  put_u32(out, kBundleVersion);
  put_u32(out, 0);
  put_u64(out, total);
  std::unique_ptr<ZSTD_CCtx, std::size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  auto failed = [](std::size_t code) {
    return Error::make(ExitCode::kInternal, std::string(kBundleFileName),
                       std::string("zstd compression failed: ") + ZSTD_getErrorName(code));
  };
  if (!cctx) return failed(static_cast<std::size_t>(-1));
  std::size_t rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, kZstdLevel);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setPledgedSrcSize(cctx.get(), total);
  if (ZSTD_isError(rc)) return failed(rc);
  std::string chunk(ZSTD_CStreamOutSize(), '\0');
  auto feed = [&](std::string_view data, ZSTD_EndDirective mode) -> Status {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
      std::size_t left = ZSTD_compressStream2(cctx.get(), &o, &in, mode);
      if (ZSTD_isError(left)) return failed(left);
      out.append(chunk.data(), o.pos);
      bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) return Ok{};
    }
  };
  if (Status s = feed(table, ZSTD_e_continue); !s) return s.error();
  for (const Artifact* a : sorted) {
    if (Status s = feed(a->bytes, ZSTD_e_continue); !s) return s.error();
  }
  if (Status s = feed({}, ZSTD_e_end); !s) return s.error();
  return out;
}

namespace {

// Where the bundle's bytes come from: a descriptor read in pieces, or bytes in memory.
class Input {
 public:
  explicit Input(int fd) : fd_(fd) {}
  explicit Input(std::string_view bytes) : bytes_(bytes) {}
  // Up to `n` bytes into `buf`; 0 at the end; -1 with errno on a read error.
  long read(char* buf, std::size_t n) {
    if (fd_ < 0) {
      std::size_t k = std::min(n, bytes_.size());
      std::memcpy(buf, bytes_.data(), k);
      bytes_.remove_prefix(k);
      return static_cast<long>(k);
    }
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r < 0 && errno == EINTR && interrupt_signal() == 0) continue;
      return static_cast<long>(r);
    }
  }
  // The total size when it is known up front (a regular file, bytes in memory).
  std::optional<std::uint64_t> known_size() const {
    if (fd_ < 0) return bytes_.size();
    struct stat st;
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode))
      return static_cast<std::uint64_t>(st.st_size);
    return std::nullopt;
  }

 private:
  int fd_ = -1;
  std::string_view bytes_;
};

using ZstdDctx = std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)>;

// The largest zstd window accepted: the writer's level 9 uses at most 2^22 bytes, so a frame
// asking for more is not ours, and the decoder's memory stays small whatever the frame says.
constexpr int kMaxWindowLog = 23;

// Reads a bundle: the header, then the payload decompressed on demand, in order, never holding
// more than one piece of it. Every length is checked against what remains before it is used.
class Reader {
 public:
  Reader(Input& in, std::string_view file_name, const BundleLimits& limits)
      : in_(in), name_(file_name), limits_(limits), dctx_(ZSTD_createDCtx(), ZSTD_freeDCtx) {}

  Status run(BundleSink& sink);

 private:
  struct Entry {
    std::string path;
    std::uint64_t size = 0;
    std::string digest;  // 32 raw bytes
  };

  Error bad(const std::string& message) const {
    return Error::make(ExitCode::kDataError, std::string(name_), message);
  }
  std::uint64_t ratio() const { return std::max<std::uint64_t>(1, limits_.max_ratio); }
  Status read_header();
  Status fill_input();
  Status read_payload(char* dst, std::size_t n);
  template <typename T>
  Status read_le(T* out);
  Status read_table();
  Status check_manifest(std::string_view bytes);
  Status stream_entry(const Entry& e, BundleSink& sink, std::string* keep);
  Status finish();

  Input& in_;
  std::string_view name_;
  const BundleLimits& limits_;
  ZstdDctx dctx_;
  std::uint64_t payload_size_ = 0;
  std::uint64_t payload_read_ = 0;  // handed out of the decompressor
  std::uint64_t input_read_ = 0;    // bundle bytes read, header included
  std::string in_buf_;
  ZSTD_inBuffer zin_{nullptr, 0, 0};
  std::string out_buf_;
  std::size_t out_pos_ = 0, out_end_ = 0;
  bool frame_done_ = false;
  std::vector<Entry> entries_;
};

Status Reader::read_header() {
  char header[kHeaderBytes];
  std::size_t got = 0;
  while (got < kHeaderBytes) {
    long n = in_.read(header + got, kHeaderBytes - got);
    if (n < 0)
      return Error::make(ExitCode::kIoError, std::string(name_),
                         std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  input_read_ = got;
  Cursor c(std::string_view(header, got));
  std::string_view magic;
  if (!c.read(kBundleMagic.size(), &magic) || magic != kBundleMagic) {
    return bad("not a cmdm bundle (no CMDMBNDL header)");
  }
  std::uint32_t version = 0, flags = 0;
  if (!c.read_le(&version) || !c.read_le(&flags) || !c.read_le(&payload_size_)) {
    return bad("truncated bundle header");
  }
  if (version != kBundleVersion) {
    return bad("unsupported bundle version " + std::to_string(version) + " (this cmdm reads " +
               std::to_string(kBundleVersion) + ")");
  }
  if (flags != 0) return bad("unknown bundle flags " + std::to_string(flags));
  if (payload_size_ > limits_.max_payload_bytes) {
    return bad("bundle payload of " + std::to_string(payload_size_) +
               " bytes exceeds the limit of " + std::to_string(limits_.max_payload_bytes) +
               " (--max-bytes)");
  }
  if (std::optional<std::uint64_t> size = in_.known_size();
      size && payload_size_ / ratio() > *size) {
    return bad("bundle of " + std::to_string(*size) + " bytes would unpack to " +
               std::to_string(payload_size_) + " bytes, more than " +
               std::to_string(limits_.max_ratio) + " times its size (--max-ratio)");
  }
  if (!dctx_) return Error::make(ExitCode::kInternal, std::string(name_), "zstd: out of memory");
  ZSTD_DCtx_setParameter(dctx_.get(), ZSTD_d_windowLogMax, kMaxWindowLog);
  in_buf_.resize(ZSTD_DStreamInSize());
  out_buf_.resize(ZSTD_DStreamOutSize());
  return Ok{};
}

Status Reader::fill_input() {
  long n = in_.read(in_buf_.data(), in_buf_.size());
  if (n < 0) {
    if (errno == EINTR) return interrupted_error(std::string(name_));
    return Error::make(ExitCode::kIoError, std::string(name_),
                       std::string("cannot read: ") + std::strerror(errno));
  }
  if (n == 0) return bad("zstd data is shorter than the header says");
  zin_ = {in_buf_.data(), static_cast<std::size_t>(n), 0};
  // The first bytes of the frame say how much it holds: it must be what the header says.
  if (input_read_ == kHeaderBytes) {
    unsigned long long content =
        ZSTD_getFrameContentSize(in_buf_.data(), static_cast<std::size_t>(n));
    if (content != payload_size_) return bad("zstd frame size does not match the header");
  }
  input_read_ += static_cast<std::uint64_t>(n);
  return Ok{};
}

// Copies the next `n` payload bytes to `dst`, decompressing as needed.
Status Reader::read_payload(char* dst, std::size_t n) {
  while (n > 0) {
    if (out_pos_ == out_end_) {
      if (frame_done_) return bad("zstd data is shorter than the header says");
      if (zin_.pos == zin_.size) {
        if (Status s = fill_input(); !s) return s;
      }
      ZSTD_outBuffer zout{out_buf_.data(), out_buf_.size(), 0};
      std::size_t rc = ZSTD_decompressStream(dctx_.get(), &zout, &zin_);
      if (ZSTD_isError(rc)) return bad("corrupt zstd data: " + std::string(ZSTD_getErrorName(rc)));
      frame_done_ = rc == 0;
      out_pos_ = 0;
      out_end_ = zout.pos;
      payload_read_ += zout.pos;
      if (payload_read_ > payload_size_) return bad("zstd data is longer than the header says");
      // Bytes out per byte in so far, for input whose size is not known up front (a pipe).
      if (payload_read_ / ratio() > input_read_) {
        return bad("bundle unpacks to more than " + std::to_string(limits_.max_ratio) +
                   " times its size (--max-ratio)");
      }
      continue;
    }
    std::size_t k = std::min(n, out_end_ - out_pos_);
    std::memcpy(dst, out_buf_.data() + out_pos_, k);
    out_pos_ += k;
    dst += k;
    n -= k;
  }
  return Ok{};
}

template <typename T>
Status Reader::read_le(T* out) {
  unsigned char b[sizeof(T)];
  if (Status s = read_payload(reinterpret_cast<char*>(b), sizeof b); !s) return s;
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(b[i]) << (8 * i));
  *out = v;
  return Ok{};
}

Status Reader::read_table() {
  std::uint32_t count = 0;
  if (!read_le(&count)) return bad("truncated entry table");
  if (count == 0) return bad("bundle has no entries");
  if (count > limits_.max_entries) return bad("too many entries (" + std::to_string(count) + ")");
  // Each entry takes at least 2 + 1 + 8 + 32 bytes of table, so a huge count fails here cheaply.
  std::uint64_t left = payload_size_ - 4;
  if (static_cast<std::uint64_t>(count) * 43 > left) return bad("truncated entry table");
  entries_.reserve(count);
  std::uint64_t data_total = 0;
  std::set<std::string> seen;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint16_t path_len = 0;
    Entry e;
    if (!read_le(&path_len) || 2u + path_len + 8u + 32u > left) return bad("truncated entry table");
    e.path.resize(path_len);
    e.digest.resize(32);
    if (!read_payload(e.path.data(), path_len) || !read_le(&e.size) ||
        !read_payload(e.digest.data(), 32)) {
      return bad("truncated entry table");
    }
    left -= 2u + path_len + 8u + 32u;
    if (Status s = check_relative_path(e.path); !s) {
      return bad("entry " + std::to_string(i) + ": " + s.error().diagnostics[0].message);
    }
    if (!seen.insert(e.path).second) return bad("entry '" + e.path + "' appears twice");
    if (e.size > left - data_total) return bad("entry '" + e.path + "' is larger than the bundle");
    data_total += e.size;
    entries_.push_back(std::move(e));
  }
  if (data_total != left) {
    return bad("entry sizes add up to " + std::to_string(data_total) + " bytes but " +
               std::to_string(left) + " follow the table");
  }
  if (entries_[0].path != "manifest.json") return bad("first entry is not manifest.json");
  if (entries_[0].size > kMaxInputFileBytes) return bad("manifest.json is larger than 64 MiB");
  return Ok{};
}

// The manifest must list exactly the other entries, with their sizes and hashes.
Status Reader::check_manifest(std::string_view bytes) {
  Result<Manifest> manifest = read_manifest(bytes, std::string(name_) + ":manifest.json");
  if (!manifest) return manifest.error();
  std::vector<Manifest::File> listed = manifest->files;
  std::sort(listed.begin(), listed.end(),
            [](const Manifest::File& a, const Manifest::File& b) { return a.path < b.path; });
  std::vector<const Entry*> held;
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i].path != kManifestSignatureName) held.push_back(&entries_[i]);
  }
  std::sort(held.begin(), held.end(),
            [](const Entry* a, const Entry* b) { return a->path < b->path; });
  if (listed.size() != held.size()) {
    return bad("manifest lists " + std::to_string(listed.size()) + " files but the bundle holds " +
               std::to_string(held.size()));
  }
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const Entry& e = *held[i];
    const auto* md = reinterpret_cast<const std::uint8_t*>(e.digest.data());
    if (listed[i].path != e.path || listed[i].size != e.size ||
        listed[i].sha256 != plist::hex(md, e.digest.size())) {
      return bad("manifest does not match entry '" + e.path + "'");
    }
  }
  return Ok{};
}

// Passes one entry's bytes to the sink in pieces and checks its SHA-256 at the end. `keep`, when
// given, also receives the bytes (the manifest, checked before any other entry is passed on).
Status Reader::stream_entry(const Entry& e, BundleSink& sink, std::string* keep) {
  Sha256Stream hash;
  char buf[128 * 1024];
  if (keep) keep->reserve(static_cast<std::size_t>(e.size));
  if (!keep) {
    if (Status s = sink.begin_entry(e.path, e.size); !s) return s;
  }
  for (std::uint64_t left = e.size; left > 0;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof buf));
    if (Status s = read_payload(buf, n); !s) return s;
    hash.update(std::string_view(buf, n));
    if (keep) {
      keep->append(buf, n);
    } else if (Status s = sink.append(std::string_view(buf, n)); !s) {
      return s;
    }
    left -= n;
  }
  auto md = hash.finish();
  if (std::string_view(reinterpret_cast<const char*>(md.data()), md.size()) != e.digest) {
    return bad("SHA-256 mismatch for '" + e.path + "'");
  }
  return keep ? Ok{} : sink.end_entry();
}

// The frame must end exactly where the payload does, and the file with it.
Status Reader::finish() {
  if (!frame_done_) {
    ZSTD_outBuffer zout{out_buf_.data(), out_buf_.size(), 0};
    for (;;) {
      if (zin_.pos == zin_.size) {
        if (Status s = fill_input(); !s) return bad("zstd frame is not complete");
      }
      std::size_t rc = ZSTD_decompressStream(dctx_.get(), &zout, &zin_);
      if (ZSTD_isError(rc)) return bad("corrupt zstd data: " + std::string(ZSTD_getErrorName(rc)));
      if (zout.pos != 0) return bad("zstd data is longer than the header says");
      if (rc == 0) break;
    }
  }
  char extra;
  if (zin_.pos != zin_.size || in_.read(&extra, 1) != 0)
    return bad("unexpected bytes after the zstd frame");
  return Ok{};
}

Status Reader::run(BundleSink& sink) {
  if (Status s = read_header(); !s) return s;
  if (Status s = read_table(); !s) return s;
  std::string manifest;
  if (Status s = stream_entry(entries_[0], sink, &manifest); !s) return s;
  if (Status s = check_manifest(manifest); !s) return s;
  if (Status s = sink.begin_entry(entries_[0].path, entries_[0].size); !s) return s;
  if (Status s = sink.append(manifest); !s) return s;
  if (Status s = sink.end_entry(); !s) return s;
  manifest = std::string();
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    if (Status s = stream_entry(entries_[i], sink, nullptr); !s) return s;
  }
  return finish();
}

// Collects entries in memory.
class MemorySink : public BundleSink {
 public:
  Status begin_entry(std::string_view path, std::uint64_t size) override {
    out.push_back({std::string(path), {}});
    out.back().bytes.reserve(static_cast<std::size_t>(size));
    return Ok{};
  }
  Status append(std::string_view bytes) override {
    out.back().bytes.append(bytes);
    return Ok{};
  }
  Status end_entry() override { return Ok{}; }
  std::vector<Artifact> out;
};

// Streams entries into a LayoutWriter.
class LayoutSink : public BundleSink {
 public:
  explicit LayoutSink(LayoutWriter& writer) : writer_(writer) {}
  Status begin_entry(std::string_view path, std::uint64_t) override {
    return writer_.begin_file(path);
  }
  Status append(std::string_view bytes) override { return writer_.append(bytes); }
  Status end_entry() override { return writer_.end_file(); }

 private:
  LayoutWriter& writer_;
};

// Keeps manifest.json and its signature for a ManifestCheck while passing every entry on to
// `inner` (or nowhere: a check that writes nothing).
class ManifestCapture : public BundleSink {
 public:
  explicit ManifestCapture(BundleSink* inner) : inner_(inner) {}
  Status begin_entry(std::string_view path, std::uint64_t size) override {
    keep_ = nullptr;
    if (path == "manifest.json") keep_ = &manifest_;
    if (path == kManifestSignatureName) {
      // A CMS signature is a few kilobytes; anything larger is not one.
      if (size > kMaxSignatureBytes) {
        return Error::make(ExitCode::kDataError, std::string(path),
                           "larger than a manifest signature can be");
      }
      keep_ = &signature_;
    }
    return inner_ ? inner_->begin_entry(path, size) : Status(Ok{});
  }
  Status append(std::string_view bytes) override {
    if (keep_) keep_->append(bytes);
    return inner_ ? inner_->append(bytes) : Status(Ok{});
  }
  Status end_entry() override { return inner_ ? inner_->end_entry() : Status(Ok{}); }
  Status check(const ManifestCheck& check) const { return check(manifest_, signature_); }

 private:
  static constexpr std::uint64_t kMaxSignatureBytes = 1u << 20;
  BundleSink* inner_;
  std::string* keep_ = nullptr;
  std::string manifest_;
  std::string signature_;
};

// Opens `bundle_path` ("-": standard input) and streams it into `sink`.
Status stream_bundle(const std::string& bundle_path, const BundleLimits& limits, BundleSink& sink) {
  Result<int> fd = open_for_reading(bundle_path);
  if (!fd) return fd.error();
  struct Closer {
    int fd;
    ~Closer() {
      if (fd != 0) ::close(fd);
    }
  } closer{*fd};
  return read_bundle(*fd, bundle_path == "-" ? "<stdin>" : bundle_path, limits, sink);
}

}  // namespace

Status read_bundle(int fd, std::string_view file_name, const BundleLimits& limits,
                   BundleSink& sink) {
  Input in(fd);
  return Reader(in, file_name, limits).run(sink);
}

Result<std::vector<Artifact>> read_bundle(std::string_view bytes, std::string_view file_name,
                                          const BundleLimits& limits) {
  Input in(bytes);
  MemorySink sink;
  if (Status s = Reader(in, file_name, limits).run(sink); !s) return s.error();
  return std::move(sink.out);
}

Result<WriteStats> unpack_bundle(const std::string& bundle_path, const std::string& out_dir,
                                 const BundleLimits& limits, const ManifestCheck& check) {
  Result<std::unique_ptr<LayoutWriter>> writer = LayoutWriter::open(out_dir);
  if (!writer) return writer.error();
  LayoutSink layout(**writer);
  if (!check) {
    if (Status s = stream_bundle(bundle_path, limits, layout); !s) return s.error();
    return (*writer)->commit();
  }
  ManifestCapture capture(&layout);
  if (Status s = stream_bundle(bundle_path, limits, capture); !s) return s.error();
  if (Status s = capture.check(check); !s) return s.error();
  return (*writer)->commit();
}

Status check_bundle(const std::string& bundle_path, const BundleLimits& limits,
                    const ManifestCheck& check) {
  ManifestCapture capture(nullptr);
  if (Status s = stream_bundle(bundle_path, limits, capture); !s) return s;
  return capture.check(check);
}

}  // namespace cmdm::emitters
