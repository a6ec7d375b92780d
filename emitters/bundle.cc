// Packs a build output into one zstd-compressed file and unpacks it, trusting nothing it reads:
// every length is checked against what remains before it is used.
#include "emitters/bundle.h"

#include <zstd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>

#include "emitters/layout.h"
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
    return Error::make(ExitCode::kInternal, std::string(kBundleFileName), "no manifest.json to bundle");
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

Result<std::vector<Artifact>> read_bundle(std::string_view bytes, std::string_view file_name,
                                          const BundleLimits& limits) {
  auto bad = [&](const std::string& message) {
    return Error::make(ExitCode::kDataError, std::string(file_name), message);
  };
  Cursor header(bytes);
  std::string_view magic;
  if (!header.read(kBundleMagic.size(), &magic) || magic != kBundleMagic) {
    return bad("not a cmdm bundle (no CMDMBNDL header)");
  }
  std::uint32_t version = 0, flags = 0;
  std::uint64_t payload_size = 0;
  if (!header.read_le(&version) || !header.read_le(&flags) || !header.read_le(&payload_size)) {
    return bad("truncated bundle header");
  }
  if (version != kBundleVersion) {
    return bad("unsupported bundle version " + std::to_string(version) + " (this cmdm reads " +
               std::to_string(kBundleVersion) + ")");
  }
  if (flags != 0) return bad("unknown bundle flags " + std::to_string(flags));
  if (payload_size > limits.max_payload_bytes) {
    return bad("bundle payload of " + std::to_string(payload_size) + " bytes exceeds the limit of " +
               std::to_string(limits.max_payload_bytes));
  }
  std::string_view frame = bytes.substr(kHeaderBytes);
  std::size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size)) return bad("corrupt zstd data: " + std::string(ZSTD_getErrorName(frame_size)));
  if (frame_size != frame.size()) return bad("unexpected bytes after the zstd frame");
  unsigned long long content = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (content != payload_size) return bad("zstd frame size does not match the header");
  std::string payload(static_cast<std::size_t>(payload_size), '\0');
  std::size_t n = ZSTD_decompress(payload.data(), payload.size(), frame.data(), frame.size());
  if (ZSTD_isError(n)) return bad("corrupt zstd data: " + std::string(ZSTD_getErrorName(n)));
  if (n != payload_size) return bad("zstd data is shorter than the header says");

  Cursor c(payload);
  std::uint32_t count = 0;
  if (!c.read_le(&count)) return bad("truncated entry table");
  if (count == 0) return bad("bundle has no entries");
  if (count > limits.max_entries) return bad("too many entries (" + std::to_string(count) + ")");
  // Each entry takes at least 2 + 1 + 8 + 32 bytes of table, so a huge count fails here cheaply.
  if (static_cast<std::uint64_t>(count) * 43 > c.remaining()) return bad("truncated entry table");
  struct Entry {
    std::string_view path;
    std::uint64_t size;
    std::string_view digest;
  };
  std::vector<Entry> entries;
  entries.reserve(count);
  std::uint64_t data_total = 0;
  std::set<std::string_view> seen;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint16_t path_len = 0;
    Entry e{};
    if (!c.read_le(&path_len) || !c.read(path_len, &e.path) || !c.read_le(&e.size) ||
        !c.read(32, &e.digest)) {
      return bad("truncated entry table");
    }
    if (Status s = check_relative_path(e.path); !s) {
      return bad("entry " + std::to_string(i) + ": " + s.error().diagnostics[0].message);
    }
    if (!seen.insert(e.path).second) return bad("entry '" + std::string(e.path) + "' appears twice");
    if (e.size > payload_size - data_total) return bad("entry '" + std::string(e.path) + "' is larger than the bundle");
    data_total += e.size;
    entries.push_back(e);
  }
  if (data_total != c.remaining()) {
    return bad("entry sizes add up to " + std::to_string(data_total) + " bytes but " +
               std::to_string(c.remaining()) + " follow the table");
  }
  if (entries[0].path != "manifest.json") return bad("first entry is not manifest.json");

  std::vector<Artifact> out;
  out.reserve(entries.size());
  for (const Entry& e : entries) {
    std::string_view data;
    if (!c.read(static_cast<std::size_t>(e.size), &data)) return bad("truncated data");
    auto md = plist::sha256(data);
    if (std::string_view(reinterpret_cast<const char*>(md.data()), md.size()) != e.digest) {
      return bad("SHA-256 mismatch for '" + std::string(e.path) + "'");
    }
    out.push_back({std::string(e.path), std::string(data)});
  }

  Result<Manifest> manifest = read_manifest(out[0].bytes, std::string(file_name) + ":manifest.json");
  if (!manifest) return manifest.error();
  std::vector<Manifest::File> listed = manifest->files;
  std::sort(listed.begin(), listed.end(),
            [](const Manifest::File& a, const Manifest::File& b) { return a.path < b.path; });
  if (listed.size() != out.size() - 1) {
    return bad("manifest lists " + std::to_string(listed.size()) + " files but the bundle holds " +
               std::to_string(out.size() - 1));
  }
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const Artifact& a = out[i + 1];
    if (listed[i].path != a.path || listed[i].size != a.bytes.size() ||
        listed[i].sha256 != plist::sha256_hex(a.bytes)) {
      return bad("manifest does not match entry '" + a.path + "'");
    }
  }
  return out;
}

}  // namespace cmdm::emitters
