// Signs a profile as compact DER CMS SignedData: only the attributes CMS requires (plus the signing
// time), no S/MIME capabilities, the signer's certificate and optionally its intermediates.
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "signer/identity_impl.h"
#include "signer/openssl_util.h"
#include "signer/signer.h"

namespace cmdm::signer {

using namespace detail;

bool deterministic_ecdsa() {
  static const bool available = [] {
    EVP_SIGNATURE* sig = EVP_SIGNATURE_fetch(nullptr, "ECDSA", nullptr);
    if (!sig) return false;
    const OSSL_PARAM* settable = EVP_SIGNATURE_settable_ctx_params(sig);
    const bool found = settable && OSSL_PARAM_locate_const(settable, "nonce-type") != nullptr;
    EVP_SIGNATURE_free(sig);
    ERR_clear_error();
    return found;
  }();
  return available;
}

Result<std::string> sign(std::string_view content, const Identity& identity,
                         const SignOptions& options) {
  ERR_clear_error();
  const Identity::Impl* id = identity.impl();
  if (!id || !id->key || !id->cert) {
    return Error::make(ExitCode::kInternal, "", "sign: the identity was not loaded");
  }
  if (content.size() > kMaxInputBytes) {
    return Error::make(ExitCode::kDataError, "", "content is larger than the 64 MiB signing limit");
  }
  if (options.digest != "sha256" && options.digest != "sha384" && options.digest != "sha512") {
    return Error::make(ExitCode::kDataError, "",
                       "unsupported digest '" + options.digest + "' (use sha256, sha384 or sha512)");
  }
  const EVP_MD* md = EVP_get_digestbyname(options.digest.c_str());
  if (!md) return openssl_error(ExitCode::kInternal, "", "digest unavailable");

  // CMS_PARTIAL lets us add the signer and attributes ourselves before the signature is computed;
  // CMS_KEY_PARAM exposes the key context (for deterministic ECDSA where OpenSSL offers it).
  unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | CMS_KEY_PARAM;
  if (!options.signed_attributes) flags |= CMS_NOATTR;
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
  if (!cms) return openssl_error(ExitCode::kInternal, "", "cannot start CMS SignedData");
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), id->cert, id->key, md, flags);
  if (!si) return openssl_error(ExitCode::kDataError, "", "cannot add the signer");

  if (EVP_PKEY_get_base_id(id->key) == EVP_PKEY_EC && deterministic_ecdsa()) {
    if (EVP_PKEY_CTX* pctx = CMS_SignerInfo_get0_pkey_ctx(si)) {
      unsigned int rfc6979 = 1;
      OSSL_PARAM params[] = {OSSL_PARAM_construct_uint("nonce-type", &rfc6979),
                             OSSL_PARAM_construct_end()};
      EVP_PKEY_CTX_set_params(pctx, params);
      ERR_clear_error();
    }
  }
  if (options.signed_attributes && options.signing_time) {
    // OpenSSL adds "now" unless the attribute is already there; RFC 5652 wants UTCTime through
    // 2049, which ASN1_TIME_set chooses by itself.
    ASN1_TIME* t = ASN1_TIME_set(nullptr, static_cast<time_t>(*options.signing_time));
    if (!t) return openssl_error(ExitCode::kDataError, "", "signing time out of range");
    const int ok = CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1);
    ASN1_TIME_free(t);
    if (!ok) return openssl_error(ExitCode::kInternal, "", "cannot set the signing time");
  }
  if (options.include_chain && id->chain) {
    for (int i = 0; i < sk_X509_num(id->chain); ++i) {
      if (!CMS_add1_cert(cms.get(), sk_X509_value(id->chain, i))) {
        return openssl_error(ExitCode::kInternal, "", "cannot add an intermediate certificate");
      }
    }
  }
  BioPtr in = memory_bio(content);
  if (!CMS_final(cms.get(), in.get(), nullptr, flags)) {
    return openssl_error(ExitCode::kDataError, "", "signing failed");
  }
  const int len = i2d_CMS_ContentInfo(cms.get(), nullptr);
  if (len <= 0) return openssl_error(ExitCode::kInternal, "", "cannot encode the signature");
  std::string out(static_cast<std::size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(out.data());
  if (i2d_CMS_ContentInfo(cms.get(), &p) != len) {
    return openssl_error(ExitCode::kInternal, "", "cannot encode the signature");
  }
  return out;
}

}  // namespace cmdm::signer
