// Takes the profile out of a CMS/PKCS#7 SignedData envelope (DER or BER) without checking the
// signature, so signed sources can be read, changed and re-signed.
#include <cstdio>

#include "plist/calendar.h"
#include "signer/ber.h"
#include "signer/openssl_util_internal.h"
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

std::string format_time(std::int64_t t) { return plist::format_utc(t); }

namespace {

constexpr unsigned char kDataOid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
constexpr unsigned char kSkiOid[] = {0x55, 0x1d, 0x0e};  // 2.5.29.14 subjectKeyIdentifier

bool equals(std::string_view bytes, const unsigned char* oid, std::size_t size) {
  return bytes == std::string_view(reinterpret_cast<const char*>(oid), size);
}

// "pkcs7-data" or the dotted form, for an OBJECT IDENTIFIER element.
std::string oid_name(std::string_view element) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(element.data());
  ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(element.size()));
  std::string text = obj ? oid_text(obj) : "(unreadable)";
  ASN1_OBJECT_free(obj);
  ERR_clear_error();
  return text;
}

// Which certificate signed: issuer name and serial (raw DER content), or a key identifier.
struct SignerId {
  std::string_view issuer, serial, key_id;
};

// The subject of the embedded certificate that matches `id`, read from the certificate's own
// bytes; empty when none matches or a certificate is malformed (unwrap does not need it).
std::string signer_subject(ber::Reader& r, const ber::Tlv& certs, const SignerId& id) {
  std::size_t cursor = certs.content_begin;
  ber::Tlv cert;
  while (r.next(certs, &cursor, &cert)) {
    ber::Tlv tbs, field;
    std::size_t c = cert.content_begin;
    if (cert.tag != 0x30 || !r.next(cert, &c, &tbs) || tbs.tag != 0x30) continue;
    std::size_t t = tbs.content_begin;
    ber::Tlv fields[6];  // serial, signature, issuer, validity, subject, key
    int n = 0;
    bool ok = true;
    while (n < 6 && (ok = r.next(tbs, &t, &field))) {
      if (n == 0 && field.tag == 0xa0) continue;  // [0] version
      fields[n++] = field;
    }
    if (!ok || n < 6) continue;
    bool match = false;
    if (!id.key_id.empty()) {
      // Look for the subjectKeyIdentifier extension in [3] extensions.
      while (!match && r.next(tbs, &t, &field)) {
        if (field.tag != 0xa3) continue;
        std::size_t e = field.content_begin;
        ber::Tlv exts, ext, part;
        if (!r.next(field, &e, &exts)) break;
        std::size_t x = exts.content_begin;
        while (!match && r.next(exts, &x, &ext)) {
          std::size_t y = ext.content_begin;
          if (!r.next(ext, &y, &part) || !equals(r.content(part), kSkiOid, sizeof kSkiOid))
            continue;
          while (r.next(ext, &y, &part)) {
            if (part.tag != 0x04) continue;  // skip the critical flag
            std::size_t z = part.content_begin;
            ber::Tlv inner;
            match = r.next(part, &z, &inner) && r.content(inner) == id.key_id;
          }
        }
      }
    } else {
      match = r.bytes(fields[2]) == id.issuer && r.content(fields[0]) == id.serial;
    }
    if (!match) continue;
    const std::string_view subject = r.bytes(fields[4]);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(subject.data());
    X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(subject.size()));
    std::string text = name ? name_text(name) : std::string();
    X509_NAME_free(name);
    ERR_clear_error();
    return text;
  }
  return "";
}

}  // namespace

Result<Unwrapped> unwrap(std::string_view bytes, std::string_view file_name) {
  Unwrapped out;
  const std::string file(file_name);
  if (Status s = check_outer_header(bytes, file); !s) return s.error();
  ber::Reader r(bytes);
  auto malformed = [&](const std::string& what) {
    return Error::make(ExitCode::kDataError, file,
                       "malformed CMS: " + (r.error().empty() ? what : r.error()));
  };
  // ContentInfo ::= SEQUENCE { contentType OID, [0] EXPLICIT SignedData }
  ber::Tlv info, type, explicit0, sd, field;
  if (!r.read(0, bytes.size(), &info)) return malformed("");
  if (info.end < bytes.size()) {
    out.warnings.push_back(Diagnostic{
        Severity::kWarning, file, 0, 0, "",
        std::to_string(bytes.size() - info.end) + " bytes after the CMS structure are ignored",
        ""});
  }
  std::size_t cursor = info.content_begin;
  if (!r.next(info, &cursor, &type) || type.tag != 0x06) return malformed("no content type");
  if (!equals(r.content(type), kSignedDataOid + 2, sizeof kSignedDataOid - 2)) {
    return Error::make(ExitCode::kDataError, file,
                       "CMS content type is " + oid_name(r.bytes(type)) + ", not signedData");
  }
  if (!r.next(info, &cursor, &explicit0) || explicit0.tag != 0xa0) {
    return malformed("no SignedData after the content type");
  }
  std::size_t c0 = explicit0.content_begin;
  if (!r.next(explicit0, &c0, &sd) || sd.tag != 0x30)
    return malformed("SignedData is not a SEQUENCE");
  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, [0] certificates
  //   OPTIONAL, [1] crls OPTIONAL, signerInfos SET }
  std::size_t s = sd.content_begin;
  ber::Tlv version, digests, encap;
  if (!r.next(sd, &s, &version) || version.tag != 0x02 || !r.next(sd, &s, &digests) ||
      digests.tag != 0x31 || !r.next(sd, &s, &encap) || encap.tag != 0x30) {
    return malformed("SignedData does not start with version, digest algorithms, content");
  }
  std::size_t e = encap.content_begin;
  ber::Tlv etype, econtent, octets;
  if (!r.next(encap, &e, &etype) || etype.tag != 0x06) return malformed("no signed content type");
  if (!equals(r.content(etype), kDataOid, sizeof kDataOid)) {
    return Error::make(ExitCode::kDataError, file,
                       "signed content type is " + oid_name(r.bytes(etype)) +
                           ", not id-data: this is not a signed profile");
  }
  if (!r.next(encap, &e, &econtent)) {
    if (!r.error().empty()) return malformed("");
    return Error::make(ExitCode::kDataError, file,
                       "detached signature: the signed content is not included");
  }
  std::size_t o = econtent.content_begin;
  if (econtent.tag != 0xa0 || !r.next(econtent, &o, &octets) ||
      !r.append_octets(octets, &out.content)) {
    return malformed("the signed content is not an OCTET STRING");
  }
  // The rest only names the signer for the warning; it must still be well formed.
  ber::Tlv certs, signer_infos, signer_info;
  while (r.next(sd, &s, &field)) {
    if (field.tag == 0xa0) certs = field;
    if (field.tag == 0x31) signer_infos = field;
  }
  if (!r.error().empty()) return malformed("");
  if (signer_infos.tag != 0x31) return malformed("no signerInfos");
  std::size_t si = signer_infos.content_begin;
  if (r.next(signer_infos, &si, &signer_info) && certs.tag == 0xa0) {
    std::size_t k = signer_info.content_begin;
    ber::Tlv sid_version, sid;
    if (r.next(signer_info, &k, &sid_version) && r.next(signer_info, &k, &sid)) {
      SignerId id;
      if (sid.tag == 0x80) {
        id.key_id = r.content(sid);
      } else if (sid.tag == 0x30) {
        std::size_t q = sid.content_begin;
        ber::Tlv issuer, serial;
        if (r.next(sid, &q, &issuer) && r.next(sid, &q, &serial)) {
          id.issuer = r.bytes(issuer);
          id.serial = r.content(serial);
        }
      }
      ber::Reader certs_reader(bytes);  // separate error state: a bad certificate is not fatal
      out.signer = signer_subject(certs_reader, certs, id);
    }
  }
  if (!r.error().empty()) return malformed("");
  const std::string who = out.signer.empty() ? std::string("an unknown signer") : out.signer;
  out.warnings.push_back(Diagnostic{
      Severity::kWarning, file, 0, 0, "",
      "the signature (by " + who + ") is dropped; sign the result again to send it signed", ""});
  return out;
}

}  // namespace cmdm::signer
