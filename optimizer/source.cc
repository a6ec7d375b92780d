// Turns source bytes into a profile value: unwraps CMS, then reads the plist.
#include "optimizer/source.h"

#include "plist/reader.h"
#if __has_include("signer/signer.h")
#include "signer/signer.h"
#define CMDM_HAVE_SIGNER 1
#endif

namespace cmdm::optimizer {

Result<Source> read_source(std::string_view bytes, const std::string& file_name) {
  Source source;
  source.stored_bytes = bytes.size();
  std::string content;
  plist::ReadOptions options;
  options.file_name = file_name;
  if (plist::sniff_format(bytes) == plist::Format::kCmsSigned) {
#ifdef CMDM_HAVE_SIGNER
    Result<signer::Unwrapped> unwrapped = signer::unwrap(bytes, file_name);
    if (!unwrapped) return unwrapped.error();
    content = std::move(unwrapped->content);
    bytes = content;
    source.was_signed = true;
#else
    return Error::make(ExitCode::kDataError, file_name, "signed profile: unwrap it first");
#endif
  }
  Result<plist::Document> doc = plist::read(bytes, options);
  if (!doc) return doc.error();
  source.profile = std::move(doc->root);
  source.warnings = std::move(doc->warnings);
  source.text = doc->source;
  if (source.text && source.profile.is_dict()) {
    for (const plist::DictEntry& e : source.profile.as_dict()) {
      if (e.key == "PayloadIdentifier" && e.key_offset != plist::kNoOffset) {
        source.identifier_line = source.text->position(e.key_offset).line;
      }
    }
  }
  return source;
}

}  // namespace cmdm::optimizer
