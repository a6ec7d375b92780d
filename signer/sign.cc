// Signs a profile as compact DER CMS SignedData: only the attributes CMS requires (plus the signing
// time), no S/MIME capabilities, the signer's certificate and optionally its intermediates.
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <algorithm>
#include <vector>

#include "signer/identity_internal.h"
#include "signer/openssl_util_internal.h"
#include "signer/signer.h"

namespace cmdm::signer {

using namespace detail;

namespace {

void use_rfc6979(EVP_PKEY_CTX* pctx) {
  if (!pctx) return;
  unsigned int rfc6979 = 1;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_uint("nonce-type", &rfc6979),
                         OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX_set_params(pctx, params);
  ERR_clear_error();
}

// OpenSSL always adds signingTime when it signs attributes. To leave it out, remove it afterwards
// and sign the remaining attributes again: the signature covers the DER SET OF the attributes
// (RFC 5652 5.4), elements sorted by their encodings, which is also how they are written out.
Status drop_signing_time(CMS_SignerInfo* si, EVP_PKEY* key, const EVP_MD* md, bool deterministic) {
  const int at = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
  if (at >= 0) X509_ATTRIBUTE_free(CMS_signed_delete_attr(si, at));
  std::vector<std::string> encoded;
  for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, i);
    unsigned char* der = nullptr;
    const int len = i2d_X509_ATTRIBUTE(attr, &der);
    if (len <= 0) return openssl_error(ExitCode::kInternal, "", "cannot encode an attribute");
    encoded.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
  }
  std::sort(encoded.begin(), encoded.end());
  std::string body;
  for (const std::string& e : encoded) body += e;
  std::string set(1, '\x31');
  if (body.size() < 0x80) {
    set += static_cast<char>(body.size());
  } else if (body.size() < 0x100) {
    set += '\x81';
    set += static_cast<char>(body.size());
  } else {
    set += '\x82';
    set += static_cast<char>(body.size() >> 8);
    set += static_cast<char>(body.size() & 0xff);
  }
  set += body;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> mctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!mctx || EVP_DigestSignInit(mctx.get(), &pctx, md, nullptr, key) != 1) {
    return openssl_error(ExitCode::kInternal, "", "cannot start the signature");
  }
  if (deterministic) use_rfc6979(pctx);
  std::size_t sig_len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(set.data());
  if (EVP_DigestSign(mctx.get(), nullptr, &sig_len, data, set.size()) != 1) {
    return openssl_error(ExitCode::kInternal, "", "signing failed");
  }
  std::string sig(sig_len, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sig.data());
  if (EVP_DigestSign(mctx.get(), out, &sig_len, data, set.size()) != 1 ||
      !ASN1_OCTET_STRING_set(CMS_SignerInfo_get0_signature(si), out, static_cast<int>(sig_len))) {
    return openssl_error(ExitCode::kInternal, "", "signing failed");
  }
  return Ok{};
}

}  // namespace

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
    return Error::make(
        ExitCode::kDataError, "",
        "unsupported digest '" + options.digest + "' (use sha256, sha384 or sha512)");
  }
  const EVP_MD* md = EVP_get_digestbyname(options.digest.c_str());
  if (!md) return openssl_error(ExitCode::kInternal, "", "digest unavailable");

  // CMS_PARTIAL lets us add the signer and attributes ourselves before the signature is computed;
  // CMS_KEY_PARAM exposes the key context (for deterministic ECDSA where OpenSSL offers it).
  unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | CMS_KEY_PARAM;
  if (!options.signed_attributes) flags |= CMS_NOATTR;
  if (options.detached) flags |= CMS_DETACHED;
  if (options.signer_id == SignOptions::SignerId::kKeyId) {
    if (!X509_get0_subject_key_id(id->cert)) {
      ERR_clear_error();
      return Error::make(ExitCode::kDataError, "",
                         "the certificate has no subjectKeyIdentifier, so the signer cannot be "
                         "named by key id; use issuer and serial");
    }
    flags |= CMS_USE_KEYID;
  }
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
  if (!cms) return openssl_error(ExitCode::kInternal, "", "cannot start CMS SignedData");
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), id->cert, id->key, md, flags);
  if (!si) return openssl_error(ExitCode::kDataError, "", "cannot add the signer");
  const bool deterministic = EVP_PKEY_get_base_id(id->key) == EVP_PKEY_EC && deterministic_ecdsa();

  if (deterministic) use_rfc6979(CMS_SignerInfo_get0_pkey_ctx(si));
  if (options.signed_attributes && options.signing_time_attribute && options.signing_time) {
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
  if (options.signed_attributes && !options.signing_time_attribute) {
    if (Status s = drop_signing_time(si, id->key, md, deterministic); !s) return s.error();
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
