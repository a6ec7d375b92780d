// Takes the profile out of a CMS/PKCS#7 SignedData envelope (DER or BER) without checking the
// signature, so signed sources can be read, changed and re-signed.
#include <cstdio>

#include "signer/openssl_util.h"
#include "signer/signer.h"

namespace cmdm::signer {

using namespace detail;

namespace {

constexpr unsigned char kSignedDataOid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                            0xf7, 0x0d, 0x01, 0x07, 0x02};

}  // namespace

bool is_cms(std::string_view bytes) {
  if (bytes.size() < 2 + sizeof kSignedDataOid || static_cast<unsigned char>(bytes[0]) != 0x30) {
    return false;
  }
  std::size_t pos = 1;
  const unsigned char first = static_cast<unsigned char>(bytes[pos++]);
  if (first > 0x84) return false;
  if (first > 0x80) pos += first & 0x7f;  // long-form length; 0x80 is BER indefinite
  if (pos + sizeof kSignedDataOid > bytes.size()) return false;
  return bytes.substr(pos, sizeof kSignedDataOid) ==
         std::string_view(reinterpret_cast<const char*>(kSignedDataOid), sizeof kSignedDataOid);
}

std::string format_time(std::int64_t t) {
  // Civil from days (proleptic Gregorian), so no gmtime_r() and no time zone state.
  std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  std::int64_t secs = t - days * 86400;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

Result<Unwrapped> unwrap(std::string_view bytes, std::string_view file_name) {
  Unwrapped out;
  const std::string file(file_name);
  Result<CmsPtr> parsed = parse_signed_data(bytes, file, &out.warnings);
  if (!parsed) return parsed.error();
  CMS_ContentInfo* cms = parsed->get();
  out.content = std::string(content_of(cms));
  out.signers = describe_signers(cms);
  out.certificates = ordered_certificates(cms);
  std::string who = out.signers.empty() || out.signers[0].certificate.subject.empty()
                        ? std::string("an unknown signer")
                        : out.signers[0].certificate.subject;
  out.warnings.push_back(Diagnostic{
      Severity::kWarning, file, 0, 0, "",
      "the signature (by " + who + ") is dropped; sign the result again to send it signed", ""});
  ERR_clear_error();
  return out;
}

}  // namespace cmdm::signer
