// The XML plist reader on arbitrary bytes: it must return a value or a diagnostic, never crash,
// and a value it returns must survive the minimal XML and binary writers unchanged.
#include "fuzz/plist_round_trip.h"

using namespace cmdm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  plist::ReadOptions options;
  options.file_name = "fuzz.plist";
  Result<plist::Document> doc = plist::read_xml(fuzz::as_text(data, size), options);
  if (!doc) {
    (void)doc.error().format();  // positions, source line and caret of every diagnostic
    return 0;
  }
  (void)format_diagnostics(doc->warnings);
  fuzz::check_round_trips(doc->root);
  return 0;
}
