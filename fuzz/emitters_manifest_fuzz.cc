// The manifest reader on arbitrary bytes: a manifest or a diagnostic naming the key path, never a
// crash. A manifest it accepts must write and read back to the same text.
#include "emitters/manifest.h"
#include "fuzz/fuzz_util.h"

using namespace cmdm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Result<emitters::Manifest> manifest = emitters::read_manifest(fuzz::as_text(data, size));
  if (!manifest) {
    (void)manifest.error().format();
    return 0;
  }
  std::string text = emitters::write_manifest(*manifest);
  Result<emitters::Manifest> again = emitters::read_manifest(text);
  fuzz::require(again.ok(), "a written manifest reads back");
  fuzz::require(emitters::write_manifest(*again) == text, "manifest round trip keeps the text");
  return 0;
}
