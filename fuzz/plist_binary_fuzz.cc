// The binary plist reader (bplist00, our own bounded parser) on arbitrary bytes: a value or a
// diagnostic, never a crash, and what it returns must survive the writers unchanged.
#include "fuzz/fuzz_util.h"
#include "plist/reader.h"
#include "plist/writer.h"

using namespace cmdm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  plist::ReadOptions options;
  options.file_name = "fuzz.bplist";
  Result<plist::Document> doc = plist::read_binary(fuzz::as_text(data, size), options);
  if (!doc) {
    (void)doc.error().format();
    return 0;
  }
  Result<std::string> binary = plist::write_binary(doc->root);
  if (binary) {
    Result<plist::Document> back = plist::read_binary(*binary);
    fuzz::require(back.ok(), "the binary writer's output reads back");
    fuzz::require(back->root == doc->root, "binary round trip keeps the value");
  }
  Result<plist::Document> xml = plist::read_xml(plist::write_minimal_xml(doc->root));
  fuzz::require(xml.ok(), "the minimal XML writer's output reads back");
  fuzz::require(xml->root == doc->root, "XML round trip keeps the value");
  return 0;
}
