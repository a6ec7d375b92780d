// Verifies CMS SignedData: signature and content digest for every signer, and, given trust
// anchors, the signer's chain. OpenSSL's CMS_verify gives the verdict; on failure we look again to
// say which part failed (changed content, bad signature, missing certificate, untrusted chain).
#include <openssl/objects.h>

#include <cstring>

#include "signer/openssl_util_internal.h"
#include "signer/signer.h"

namespace cmdm::signer {

using namespace detail;

namespace {

// True when the first signer's messageDigest attribute differs from the digest of the content.
bool content_digest_differs(CMS_ContentInfo* cms, std::string_view content) {
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
    auto* claimed = static_cast<ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
    if (!claimed) continue;
    X509_ALGOR* digest_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_alg, nullptr);
    const ASN1_OBJECT* oid = nullptr;
    if (digest_alg) X509_ALGOR_get0(&oid, nullptr, nullptr, digest_alg);
    const EVP_MD* md = EVP_get_digestbyobj(oid);
    if (!md) continue;
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(content.data(), content.size(), buf, &len, md, nullptr)) continue;
    if (static_cast<int>(len) != ASN1_STRING_length(claimed) ||
        std::memcmp(buf, ASN1_STRING_get0_data(claimed), len) != 0) {
      return true;
    }
  }
  return false;
}

bool signer_certificates_missing(CMS_ContentInfo* cms) {
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  X509StackPtr certs(CMS_get1_certs(cms));
  for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
    bool found = false;
    for (int j = 0; certs && j < sk_X509_num(certs.get()) && !found; ++j) {
      found = CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs.get(), j)) == 0;
    }
    if (!found) return true;
  }
  return false;
}

}  // namespace

namespace {

// The trust store for `options.trust_anchors`; null (and CMS_NO_SIGNER_CERT_VERIFY in `flags`)
// when there are none.
Result<StorePtr> trust_store(const VerifyOptions& options, unsigned int& flags) {
  StorePtr store;
  if (options.trust_anchors.empty()) {
    flags |= CMS_NO_SIGNER_CERT_VERIFY;
    return store;
  }
  store.reset(X509_STORE_new());
  for (const std::string& anchor : options.trust_anchors) {
    Result<X509StackPtr> certs = read_certificates(anchor, "trust anchors");
    if (!certs) return certs.error();
    for (int i = 0; i < sk_X509_num(certs->get()); ++i) {
      X509_STORE_add_cert(store.get(), sk_X509_value(certs->get(), i));
    }
  }
  // Profile signers often hold TLS server certificates; the device does not insist on the
  // S/MIME signing purpose, so neither do we.
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  if (options.at_time) {
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()),
                               static_cast<time_t>(*options.at_time));
  }
  return store;
}

// CMS_verify over `content` (attached or detached), then the report.
Result<VerifyReport> check(CMS_ContentInfo* cms, std::string_view content, bool detached,
                           const VerifyOptions& options, VerifyReport report) {
  const std::string& file = options.file_name;
  report.content_bytes = content.size();
  if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) <= 0) {
    return Error::make(ExitCode::kCheckFailed, file, "the SignedData has no signers");
  }
  if (signer_certificates_missing(cms)) {
    return Error::make(ExitCode::kCheckFailed, file,
                       "the signer's certificate is not included, so the signature cannot be "
                       "checked");
  }
  unsigned int flags = CMS_BINARY;
  Result<StorePtr> store = trust_store(options, flags);
  if (!store) return store.error();
  ERR_clear_error();
  BioPtr sink(BIO_new(BIO_s_null()));
  BioPtr data = detached ? memory_bio(content) : BioPtr();
  if (CMS_verify(cms, nullptr, store->get(), data.get(), sink.get(), flags) != 1) {
    std::string reasons = drain_errors();
    std::string message;
    if (reasons.find("certificate verify error") != std::string::npos) {
      message = "the signer's certificate chain is not trusted: " + reasons;
    } else if (content_digest_differs(cms, content)) {
      message = "content digest mismatch: the content was changed after signing";
    } else {
      message = "the signature is invalid (the content or the signature was changed): " + reasons;
    }
    return Error::make(ExitCode::kCheckFailed, file, message);
  }
  report.trust = options.trust_anchors.empty() ? Trust::kNotChecked : Trust::kTrusted;
  report.signers = describe_signers(cms);
  report.certificates = ordered_certificates(cms);
  if (options.at_time) {
    for (const SignerInfo& s : report.signers) {
      const CertInfo& c = s.certificate;
      if (*options.at_time > c.not_after || *options.at_time < c.not_before) {
        report.warnings.push_back(
            Diagnostic{Severity::kWarning, file, 0, 0, "",
                       "the signer's certificate (" + c.subject + ") is valid only from " +
                           format_time(c.not_before) + " to " + format_time(c.not_after),
                       ""});
      }
    }
  }
  ERR_clear_error();
  return report;
}

}  // namespace

Result<VerifyReport> verify(std::string_view bytes, const VerifyOptions& options) {
  VerifyReport report;
  // The structural walk of unwrap() first: it is cheap, and its messages for truncated, mistyped
  // or detached input are plainer than the ASN.1 decoder's.
  if (Result<Unwrapped> shape = unwrap(bytes, options.file_name); !shape) return shape.error();
  Result<CmsPtr> parsed = parse_signed_data(bytes, options.file_name, &report.warnings);
  if (!parsed) return parsed.error();
  return check(parsed->get(), content_of(parsed->get()), false, options, std::move(report));
}

Result<VerifyReport> verify_detached(std::string_view bytes, std::string_view content,
                                     const VerifyOptions& options) {
  VerifyReport report;
  if (content.size() > kMaxInputBytes) {
    return Error::make(ExitCode::kDataError, options.file_name,
                       "content is larger than the 64 MiB verification limit");
  }
  Result<CmsPtr> parsed = parse_signed_data(bytes, options.file_name, &report.warnings, true);
  if (!parsed) return parsed.error();
  return check(parsed->get(), content, true, options, std::move(report));
}

}  // namespace cmdm::signer
