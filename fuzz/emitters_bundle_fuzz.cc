// The bundle reader on arbitrary bytes. The first byte picks what the rest is: even, a whole
// bundle file; odd, the uncompressed payload (entry table and data), which this target wraps in a
// valid header and zstd frame so the fuzzer reaches the entry table and the manifest check
// without having to forge zstd by mutation.
#include <zstd.h>

#include <string>

#include "emitters/bundle.h"
#include "fuzz/fuzz_util.h"

using namespace cmdm;

namespace {

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string wrap_payload(std::string_view payload) {
  std::string out(emitters::kBundleMagic);
  put_le(out, emitters::kBundleVersion, 4);
  put_le(out, 0, 4);
  put_le(out, payload.size(), 8);
  std::string frame(ZSTD_compressBound(payload.size()), '\0');
  std::size_t n = ZSTD_compress(frame.data(), frame.size(), payload.data(), payload.size(), 1);
  fuzz::require(!ZSTD_isError(n), "zstd compresses the payload");
  out.append(frame.data(), n);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest = fuzz::as_text(data + 1, size - 1);
  std::string bundle = (data[0] & 1) ? wrap_payload(rest) : std::string(rest);
  // The documented 1 GiB payload limit is far above what a fuzzer's memory limit allows; the
  // check itself is the same code at any limit.
  emitters::BundleLimits limits;
  limits.max_payload_bytes = 64u * 1024 * 1024;
  Result<std::vector<emitters::Artifact>> artifacts =
      emitters::read_bundle(bundle, "fuzz.cmdm", limits);
  if (!artifacts) {
    (void)artifacts.error().format();
    return 0;
  }
  fuzz::require(!artifacts->empty() && (*artifacts)[0].path == "manifest.json",
                "an accepted bundle starts with manifest.json");
  return 0;
}
