#include "emitters/bundle.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::emitters {
namespace {

std::vector<Artifact> sample() {
  std::vector<Artifact> a = {{"profiles/b.mobileconfig", std::string(5000, 'b')},
                             {"commands/raw/a.install.plist", "<plist/>"},
                             {"profiles/a.mobileconfig", ""}};
  Manifest m;
  m.generator = "cmdm test";
  list_files(m, a);
  a.push_back({"manifest.json", write_manifest(m)});
  return a;
}

// Builds a bundle from a raw payload (for hostile-input tests).
std::string frame(const std::string& payload, std::uint64_t declared);

TEST(Bundle, RoundTripsWithManifestFirstAndEntriesSorted) {
  auto bundle = write_bundle(sample());
  ASSERT_TRUE(bundle.ok()) << bundle.error().format();
  EXPECT_EQ(bundle->substr(0, 8), "CMDMBNDL");
  auto entries = read_bundle(*bundle);
  ASSERT_TRUE(entries.ok()) << entries.error().format();
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].path, "manifest.json");
  EXPECT_EQ((*entries)[1].path, "commands/raw/a.install.plist");
  EXPECT_EQ((*entries)[3].bytes, std::string(5000, 'b'));
}

TEST(Bundle, SameArtifactsGiveTheSameBytes) {
  auto a = sample();
  auto b = sample();
  std::swap(b[0], b[2]);
  EXPECT_EQ(*write_bundle(a), *write_bundle(b));
}

TEST(Bundle, RefusesABundleWithoutManifest) { EXPECT_FALSE(write_bundle({{"a", "b"}}).ok()); }

TEST(Bundle, RefusesWrongMagicVersionAndTruncation) {
  std::string good = *write_bundle(sample());
  EXPECT_FALSE(read_bundle("").ok());
  EXPECT_FALSE(read_bundle("CMDMBND").ok());
  std::string v2 = good;
  v2[8] = 2;
  auto r = read_bundle(v2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().diagnostics[0].message, "unsupported bundle version 2 (this cmdm reads 1)");
  for (std::size_t cut : {10u, 24u, 30u}) {
    EXPECT_FALSE(read_bundle(good.substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(read_bundle(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(read_bundle(good + "x").ok());
}

TEST(Bundle, RefusesAPayloadLargerThanTheLimitBeforeAllocating) {
  std::string good = *write_bundle(sample());
  BundleLimits small;
  small.max_payload_bytes = 100;
  auto r = read_bundle(good, "b", small);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().diagnostics[0].message.find("exceeds the limit"), std::string::npos);
  std::string huge = good;
  for (int i = 16; i < 24; ++i) huge[i] = '\xFF';
  EXPECT_FALSE(read_bundle(huge).ok());
}

TEST(Bundle, EveryFlippedByteIsDetected) {
  std::string good = *write_bundle(sample());
  for (std::size_t i = 0; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    EXPECT_FALSE(read_bundle(bad).ok()) << "byte " << i;
  }
}

void put_le(std::string& s, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace
}  // namespace cmdm::emitters

#include <zstd.h>

namespace cmdm::emitters {
namespace {

std::string frame(const std::string& payload, std::uint64_t declared) {
  std::string out = "CMDMBNDL";
  put_le(out, 1, 4);
  put_le(out, 0, 4);
  put_le(out, declared, 8);
  std::string z(ZSTD_compressBound(payload.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), payload.data(), payload.size(), 1));
  return out + z;
}

std::string entry(const std::string& path, std::uint64_t size,
                  const std::string& digest = std::string(32, '\0')) {
  std::string e;
  put_le(e, path.size(), 2);
  e += path;
  put_le(e, size, 8);
  return e + digest;
}

TEST(Bundle, RefusesPathTraversalInEntries) {
  std::string payload;
  put_le(payload, 1, 4);
  payload += entry("../evil", 1);
  payload += "x";
  auto r = read_bundle(frame(payload, payload.size()));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().diagnostics[0].message.find("unsafe artifact path"), std::string::npos);
}

TEST(Bundle, RefusesEntrySizesThatOverflowThePayload) {
  std::string payload;
  put_le(payload, 2, 4);
  payload += entry("manifest.json", 1);
  payload += entry("a", UINT64_MAX);
  payload += "x";
  auto r = read_bundle(frame(payload, payload.size()));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().diagnostics[0].message.find("larger than the bundle"), std::string::npos);
}

TEST(Bundle, RefusesAHugeEntryCountCheaply) {
  std::string payload;
  put_le(payload, 0xFFFFFFFF, 4);
  EXPECT_FALSE(read_bundle(frame(payload, payload.size())).ok());
}

TEST(Bundle, RefusesADeclaredSizeThatDiffersFromTheFrame) {
  std::string payload(100, 'a');
  EXPECT_FALSE(read_bundle(frame(payload, 99)).ok());
}

TEST(Bundle, RefusesDuplicateEntries) {
  std::string payload;
  put_le(payload, 2, 4);
  payload += entry("manifest.json", 0);
  payload += entry("manifest.json", 0);
  auto r = read_bundle(frame(payload, payload.size()));
  ASSERT_FALSE(r.ok());
}

// A build output whose one profile is `size` zero bytes: a bundle of it is tiny.
std::vector<Artifact> with_zeros(std::size_t size) {
  std::vector<Artifact> a = {{"profiles/z.mobileconfig", std::string(size, '\0')}};
  Manifest m;
  m.generator = "cmdm test";
  list_files(m, a);
  a.push_back({"manifest.json", write_manifest(m)});
  return a;
}

class BundleFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cmdm-bundle-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string save(const std::string& bytes) {
    std::string path = dir_ + "/bundle.cmdm";
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string dir_;
};

TEST(Bundle, RefusesABundleThatUnpacksToMoreThanTheRatio) {
  std::string bomb = *write_bundle(with_zeros(16 * 1024 * 1024));
  ASSERT_LT(bomb.size(), 16u * 1024);
  auto r = read_bundle(bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().diagnostics[0].message.find("more than 1000 times its size (--max-ratio)"),
            std::string::npos)
      << r.error().diagnostics[0].message;
  BundleLimits generous;
  generous.max_ratio = 1'000'000;
  EXPECT_TRUE(read_bundle(bomb, "b", generous).ok());
}

// Counts what a sink receives without keeping it.
class CountingSink : public BundleSink {
 public:
  Status begin_entry(std::string_view, std::uint64_t) override { return Ok{}; }
  Status append(std::string_view bytes) override {
    received += bytes.size();
    return Ok{};
  }
  Status end_entry() override { return Ok{}; }
  std::uint64_t received = 0;
};

TEST(Bundle, RefusesABombFromAPipeBeforeUnpackingIt) {
  std::string bomb = *write_bundle(with_zeros(64 * 1024 * 1024));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread feeder([&] {
    write_all(fds[1], bomb);
    ::close(fds[1]);
  });
  CountingSink sink;
  Status s = read_bundle(fds[0], "pipe", BundleLimits{}, sink);
  ::close(fds[0]);
  feeder.join();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().diagnostics[0].message,
            "bundle unpacks to more than 1000 times its size (--max-ratio)");
  EXPECT_LT(sink.received, 1000u * bomb.size());
}

TEST_F(BundleFileTest, UnpacksAnEntryFarLargerThanTheMemoryItMayUse) {
#if defined(__SANITIZE_ADDRESS__) || !defined(__linux__)
  GTEST_SKIP() << "address-space limits need Linux and no sanitizer";
#else
  constexpr std::size_t kEntry = 128 * 1024 * 1024;
  const std::string path = save(*write_bundle(with_zeros(kEntry)));
  const std::string out = dir_ + "/out";
  pid_t pid = ::fork();
  if (pid == 0) {
    // The child may map 48 MiB more than it has now: less than half the entry.
    std::ifstream status("/proc/self/status");
    std::string line;
    std::uint64_t kb = 0;
    while (std::getline(status, line)) {
      if (line.rfind("VmSize:", 0) == 0) kb = std::stoull(line.substr(7));
    }
    struct rlimit lim {};
    lim.rlim_cur = lim.rlim_max = (kb + 48 * 1024) * 1024;
    if (kb == 0 || ::setrlimit(RLIMIT_AS, &lim) != 0) ::_exit(3);
    BundleLimits limits;
    limits.max_ratio = 1'000'000;
    auto stats = unpack_bundle(path, out, limits);
    ::_exit(stats.ok() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(std::filesystem::file_size(out + "/profiles/z.mobileconfig"), kEntry);
#endif
}

TEST_F(BundleFileTest, AFailedUnpackLeavesTheDirectoryAsItWas) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(unpack_bundle(save(*write_bundle(sample())), out).ok());
  // Another build's bundle, whose last entry (sorted: profiles/b.mobileconfig) is damaged: the
  // damage shows only once the entries before it were streamed to disk.
  std::vector<Artifact> next = {{"profiles/b.mobileconfig", "next build"},
                                {"commands/raw/a.install.plist", "<plist/>"},
                                {"profiles/a.mobileconfig", "next a"}};
  Manifest m;
  list_files(m, next);
  next.push_back({"manifest.json", write_manifest(m)});
  // Frame the payload by hand: the table and manifest promise "next build" for the last entry,
  // the bytes say "NEXT build".
  std::string payload;
  put_le(payload, next.size(), 4);
  std::vector<const Artifact*> order = {&next[3], &next[1], &next[2], &next[0]};
  for (const Artifact* a : order) {
    put_le(payload, a->path.size(), 2);
    payload += a->path;
    put_le(payload, a->bytes.size(), 8);
    auto md = plist::sha256(a->bytes);
    payload.append(reinterpret_cast<const char*>(md.data()), md.size());
  }
  for (const Artifact* a : order) payload += a == &next[0] ? std::string("NEXT build") : a->bytes;
  std::string bundle = frame(payload, payload.size());
  auto failed = unpack_bundle(save(bundle), out);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().diagnostics[0].message,
            "SHA-256 mismatch for 'profiles/b.mobileconfig'");
  EXPECT_EQ(*read_file(out + "/profiles/a.mobileconfig"), "");
  EXPECT_EQ(*read_file(out + "/profiles/b.mobileconfig"), std::string(5000, 'b'));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 2);  // out, bundle.cmdm
}

}  // namespace
}  // namespace cmdm::emitters
