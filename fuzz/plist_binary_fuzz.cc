// The binary plist reader (bplist00, our own bounded parser) on arbitrary bytes: a value or a
// diagnostic, never a crash, and what it returns must survive the writers unchanged.
#include "fuzz/plist_round_trip.h"

using namespace cmdm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  plist::ReadOptions options;
  options.file_name = "fuzz.bplist";
  Result<plist::Document> doc = plist::read_binary(fuzz::as_text(data, size), options);
  if (!doc) {
    (void)doc.error().format();
    return 0;
  }
  fuzz::check_round_trips(doc->root);
  return 0;
}
