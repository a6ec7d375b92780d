// CMS SignedData on arbitrary bytes: unwrap (our own BER walk) and verify (OpenSSL) must return
// content, a report or a diagnostic, never crash.
#include "fuzz/fuzz_util.h"
#include "signer/signer.h"

using namespace cmdm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes = fuzz::as_text(data, size);
  (void)signer::is_cms(bytes);
  Result<signer::Unwrapped> unwrapped = signer::unwrap(bytes, "fuzz.mobileconfig");
  if (unwrapped) {
    fuzz::require(unwrapped->content.size() <= bytes.size(),
                  "unwrapped content is no larger than the CMS");
  } else {
    (void)unwrapped.error().format();
  }
  signer::VerifyOptions options;
  options.file_name = "fuzz.mobileconfig";
  options.at_time = 1767225600;  // fixed, so a run does not depend on the clock
  Result<signer::VerifyReport> report = signer::verify(bytes, options);
  if (!report) (void)report.error().format();
  return 0;
}
