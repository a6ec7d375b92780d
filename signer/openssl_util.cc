// OpenSSL plumbing shared by signing, verification and unwrapping: error-queue conversion,
// certificate reading and description, and the one SignedData parser every entry point uses.
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <ctime>

#include "plist/calendar.h"
#include "signer/openssl_util_internal.h"

namespace cmdm::signer::detail {

BioPtr memory_bio(std::string_view bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string drain_errors() {
  std::vector<std::string> parts;
  const char* data = nullptr;
  int flags = 0;
  unsigned long code = 0;
  while ((code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
    const char* reason = ERR_reason_error_string(code);
    std::string part = reason ? reason : "error " + std::to_string(ERR_GET_REASON(code));
    if ((flags & ERR_TXT_STRING) && data && *data) part += std::string(" (") + data + ")";
    if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(part);
  }
  // The queue holds the root cause first and wrappers after it; the last entry is usually the most
  // specific for the caller ("certificate verify error (Verify error: ...)"), so print it first.
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += "; ";
    out += *it;
  }
  return out;
}

Error openssl_error(ExitCode code, std::string_view file, std::string what) {
  std::string reasons = drain_errors();
  if (!reasons.empty()) what += ": " + reasons;
  return Error::make(code, std::string(file), std::move(what));
}

Result<X509StackPtr> read_certificates(std::string_view bytes, std::string_view what) {
  X509StackPtr certs(sk_X509_new_null());
  ERR_clear_error();
  if (bytes.size() > kMaxInputBytes) {
    return Error::make(ExitCode::kDataError, std::string(what), "certificate file is too large");
  }
  if (bytes.find("-----BEGIN") != std::string_view::npos) {
    BioPtr bio = memory_bio(bytes);
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      sk_X509_push(certs.get(), x);
    }
    // The loop ends with "no start line" at the end of the data: expected, not an error.
    unsigned long last = ERR_peek_last_error();
    if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE &&
        sk_X509_num(certs.get()) > 0) {
      ERR_clear_error();
    }
    if (ERR_peek_error() != 0 || sk_X509_num(certs.get()) == 0) {
      return openssl_error(ExitCode::kDataError, what, "cannot read a PEM certificate");
    }
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(bytes.size()));
    if (!x) return openssl_error(ExitCode::kDataError, what, "not a PEM or DER certificate");
    sk_X509_push(certs.get(), x);
  }
  return certs;
}

std::int64_t to_unix(const ASN1_TIME* time) {
  if (!time) return 0;
  std::tm tm{};
  if (!ASN1_TIME_to_tm(time, &tm)) return 0;
  return plist::unix_seconds_of(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                                static_cast<unsigned>(tm.tm_mday),
                                static_cast<unsigned>(tm.tm_hour), static_cast<unsigned>(tm.tm_min),
                                static_cast<unsigned>(tm.tm_sec));
}

std::string name_text(const X509_NAME* name) {
  BioPtr out(BIO_new(BIO_s_mem()));
  // RFC 2253 order (most specific first) but with UTF-8 kept as UTF-8.
  X509_NAME_print_ex(out.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(std::max(0L, len)));
}

namespace {

std::string key_text(EVP_PKEY* key) {
  if (!key) return "unknown";
  const int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
    return "RSA-" + std::to_string(EVP_PKEY_get_bits(key));
  }
  if (id == EVP_PKEY_EC) {
    char group[80] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len)) {
      const char* nist = EC_curve_nid2nist(OBJ_sn2nid(group));
      return std::string("EC ") + (nist ? nist : group);
    }
    return "EC";
  }
  const char* name = OBJ_nid2sn(id);
  return name ? name : "unknown";
}

}  // namespace

CertInfo describe(X509* cert) {
  CertInfo info;
  if (!cert) return info;
  info.subject = name_text(X509_get_subject_name(cert));
  info.issuer = name_text(X509_get_issuer_name(cert));
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      info.serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  info.key = key_text(X509_get0_pubkey(cert));
  info.not_before = to_unix(X509_get0_notBefore(cert));
  info.not_after = to_unix(X509_get0_notAfter(cert));
  info.self_signed = X509_self_signed(cert, 0) == 1;
  info.der_bytes = static_cast<std::size_t>(std::max(0, i2d_X509(cert, nullptr)));
  ERR_clear_error();  // X509_get0_pubkey and friends may queue harmless decode notes
  return info;
}

std::string oid_text(const ASN1_OBJECT* obj) {
  if (!obj) return "(none)";
  const int nid = OBJ_obj2nid(obj);
  if (nid != NID_undef) return OBJ_nid2sn(nid);
  char buf[128] = {0};
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return buf;
}

namespace {

// Reads a DER/BER length at bytes[*pos]; false when malformed. Indefinite sets *len to SIZE_MAX.
bool read_length(std::string_view bytes, std::size_t* pos, std::size_t* len) {
  if (*pos >= bytes.size()) return false;
  const unsigned char first = static_cast<unsigned char>(bytes[(*pos)++]);
  if (first < 0x80) {
    *len = first;
    return true;
  }
  if (first == 0x80) {
    *len = SIZE_MAX;
    return true;
  }
  const int count = first & 0x7f;
  if (count > 4 || *pos + count > bytes.size()) return false;
  std::size_t value = 0;
  for (int i = 0; i < count; ++i)
    value = (value << 8) | static_cast<unsigned char>(bytes[(*pos)++]);
  *len = value;
  return true;
}

}  // namespace

Status check_outer_header(std::string_view bytes, const std::string& name) {
  if (bytes.empty()) return Error::make(ExitCode::kDataError, name, "empty input, not CMS");
  if (bytes.size() > kMaxInputBytes) {
    return Error::make(ExitCode::kDataError, name,
                       "input is larger than the 64 MiB limit for signed profiles");
  }
  // Check the outer header ourselves first so that the common mistakes get a plain message
  // rather than an ASN.1 decoder trace.
  std::size_t pos = 1;
  std::size_t outer = 0;
  if (static_cast<unsigned char>(bytes[0]) != 0x30 || !read_length(bytes, &pos, &outer)) {
    const std::size_t text = bytes.find_first_not_of(" \t\r\n\xef\xbb\xbf");
    const bool plist =
        bytes.substr(0, 6) == "bplist" || (text != std::string_view::npos && bytes[text] == '<');
    return Error::make(ExitCode::kDataError, name,
                       plist ? "not CMS signed data: this is an unsigned property list"
                             : "not CMS signed data (expected a DER/BER SEQUENCE at byte 0)");
  }
  if (outer != SIZE_MAX && outer > bytes.size() - pos) {
    return Error::make(ExitCode::kDataError, name,
                       "truncated or corrupt CMS: the outer SEQUENCE claims " +
                           std::to_string(outer) + " bytes but only " +
                           std::to_string(bytes.size() - pos) + " follow");
  }
  return Ok{};
}

Result<CmsPtr> parse_signed_data(std::string_view bytes, std::string_view file,
                                 std::vector<Diagnostic>* warnings, bool detached) {
  const std::string name(file);
  ERR_clear_error();
  if (Status s = check_outer_header(bytes, name); !s) return s.error();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())));
  if (!cms) return openssl_error(ExitCode::kDataError, name, "malformed CMS");
  const std::size_t used =
      static_cast<std::size_t>(p - reinterpret_cast<const unsigned char*>(bytes.data()));
  if (used < bytes.size() && warnings) {
    warnings->push_back(Diagnostic{
        Severity::kWarning, name, 0, 0, "",
        std::to_string(bytes.size() - used) + " bytes after the CMS structure are ignored", ""});
  }
  const ASN1_OBJECT* type = CMS_get0_type(cms.get());
  if (OBJ_obj2nid(type) != NID_pkcs7_signed) {
    return Error::make(ExitCode::kDataError, name,
                       "CMS content type is " + oid_text(type) + ", not signedData");
  }
  const ASN1_OBJECT* inner = CMS_get0_eContentType(cms.get());
  if (OBJ_obj2nid(inner) != NID_pkcs7_data) {
    return Error::make(ExitCode::kDataError, name,
                       "signed content type is " + oid_text(inner) +
                           ", not id-data: this is not a signed profile");
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  const bool attached = content && *content;
  if (!attached && !detached) {
    return Error::make(ExitCode::kDataError, name,
                       "detached signature: the signed content is not included");
  }
  if (attached && detached) {
    return Error::make(ExitCode::kDataError, name,
                       "expected a detached signature, but the content is included");
  }
  ERR_clear_error();
  return cms;
}

std::string_view content_of(CMS_ContentInfo* cms) {
  ASN1_OCTET_STRING** content = CMS_get0_content(cms);
  return std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(*content)),
                          static_cast<std::size_t>(ASN1_STRING_length(*content)));
}

std::vector<SignerInfo> describe_signers(CMS_ContentInfo* cms) {
  std::vector<SignerInfo> out;
  CMS_set1_signers_certs(cms, nullptr, 0);  // a missing certificate is reported as an empty subject
  ERR_clear_error();
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
    SignerInfo info;
    EVP_PKEY* pkey = nullptr;
    X509* cert = nullptr;
    X509_ALGOR* digest = nullptr;
    X509_ALGOR* signature = nullptr;
    CMS_SignerInfo_get0_algs(si, &pkey, &cert, &digest, &signature);
    info.certificate = describe(cert);
    const ASN1_OBJECT* digest_oid = nullptr;
    const ASN1_OBJECT* sig_oid = nullptr;
    if (digest) X509_ALGOR_get0(&digest_oid, nullptr, nullptr, digest);
    if (signature) X509_ALGOR_get0(&sig_oid, nullptr, nullptr, signature);
    info.digest_algorithm = oid_text(digest_oid);
    const int sig_nid = OBJ_obj2nid(sig_oid);
    int hash_nid = NID_undef;
    int key_nid = NID_undef;
    if (sig_nid == NID_rsaEncryption) {
      info.signature_algorithm = "RSA-" + info.digest_algorithm;
    } else if (sig_nid == NID_rsassaPss) {
      info.signature_algorithm = "RSA-PSS-" + info.digest_algorithm;
    } else if (sig_nid == NID_X9_62_id_ecPublicKey) {
      info.signature_algorithm = "ECDSA-" + info.digest_algorithm;
    } else if (OBJ_find_sigid_algs(sig_nid, &hash_nid, &key_nid) &&
               key_nid == NID_X9_62_id_ecPublicKey) {
      info.signature_algorithm = std::string("ECDSA-") + OBJ_nid2sn(hash_nid);
    } else if (OBJ_find_sigid_algs(sig_nid, &hash_nid, &key_nid) && key_nid == NID_rsaEncryption) {
      info.signature_algorithm = std::string("RSA-") + OBJ_nid2sn(hash_nid);
    } else {
      info.signature_algorithm = oid_text(sig_oid);
    }
    info.signed_attributes = CMS_signed_get_attr_count(si) >= 0;
    const int at = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (at >= 0) {
      ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, at), 0);
      if (value && (value->type == V_ASN1_UTCTIME || value->type == V_ASN1_GENERALIZEDTIME)) {
        info.signing_time = to_unix(reinterpret_cast<const ASN1_TIME*>(value->value.asn1_string));
      }
    }
    out.push_back(std::move(info));
  }
  ERR_clear_error();
  return out;
}

std::vector<CertInfo> ordered_certificates(CMS_ContentInfo* cms) {
  X509StackPtr certs(CMS_get1_certs(cms));
  std::vector<CertInfo> out;
  if (!certs) return out;
  const int n = sk_X509_num(certs.get());
  std::vector<bool> used(static_cast<std::size_t>(n), false);
  // Start from the first signer's certificate, then follow issuers.
  X509* current = nullptr;
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  if (sk_CMS_SignerInfo_num(infos) > 0) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    for (int i = 0; i < n && !current; ++i) {
      if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs.get(), i)) == 0) {
        current = sk_X509_value(certs.get(), i);
        used[static_cast<std::size_t>(i)] = true;
      }
    }
  }
  while (current) {
    out.push_back(describe(current));
    X509* next = nullptr;
    if (X509_self_signed(current, 0) != 1) {
      for (int i = 0; i < n && !next; ++i) {
        if (!used[static_cast<std::size_t>(i)] &&
            X509_check_issued(sk_X509_value(certs.get(), i), current) == X509_V_OK) {
          next = sk_X509_value(certs.get(), i);
          used[static_cast<std::size_t>(i)] = true;
        }
      }
    }
    current = next;
  }
  for (int i = 0; i < n; ++i) {
    if (!used[static_cast<std::size_t>(i)]) out.push_back(describe(sk_X509_value(certs.get(), i)));
  }
  ERR_clear_error();
  return out;
}

}  // namespace cmdm::signer::detail
