// Loads a signing identity (private key, certificate, intermediates) from PEM, DER or PKCS#12
// bytes, and checks that the key belongs to the certificate before anything is signed with it.
#include <openssl/decoder.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include <cstdlib>
#include <cstring>

#include "signer/identity_internal.h"
#include "signer/openssl_util_internal.h"
#include "signer/signer.h"

namespace cmdm::signer {

using namespace detail;

Identity::Identity() = default;
Identity::~Identity() = default;
Identity::Identity(const Identity&) = default;
Identity& Identity::operator=(const Identity&) = default;
Identity::Identity(Identity&&) noexcept = default;
Identity& Identity::operator=(Identity&&) noexcept = default;
Identity::Identity(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

const CertInfo& Identity::certificate() const {
  static const CertInfo kEmpty;
  return impl_ ? impl_->cert_info : kEmpty;
}

const std::vector<CertInfo>& Identity::chain() const {
  static const std::vector<CertInfo> kEmpty;
  return impl_ ? impl_->chain_info : kEmpty;
}

Identity::Impl::~Impl() {
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(chain, X509_free);
}

namespace {

Result<PkeyPtr> read_private_key(const IdentitySource& source) {
  ERR_clear_error();
  if (source.key.size() > kMaxInputBytes) {
    return Error::make(ExitCode::kDataError, source.key_name, "private key file is too large");
  }
  EVP_PKEY* key = nullptr;
  // The decoder accepts PEM and DER, PKCS#8 (encrypted or not) and the traditional RSA/EC forms.
  OSSL_DECODER_CTX* ctx = OSSL_DECODER_CTX_new_for_pkey(&key, nullptr, nullptr, nullptr,
                                                        EVP_PKEY_KEYPAIR, nullptr, nullptr);
  if (!ctx) return openssl_error(ExitCode::kInternal, source.key_name, "no key decoder");
  if (source.password) {
    OSSL_DECODER_CTX_set_passphrase(ctx,
                                    reinterpret_cast<const unsigned char*>(source.password->data()),
                                    source.password->size());
  }
  const unsigned char* data = reinterpret_cast<const unsigned char*>(source.key.data());
  std::size_t len = source.key.size();
  const int ok = OSSL_DECODER_from_data(ctx, &data, &len);
  OSSL_DECODER_CTX_free(ctx);
  if (!ok || !key) {
    const bool encrypted = source.key.find("ENCRYPTED") != std::string::npos;
    ERR_clear_error();
    std::string message = encrypted && !source.password
                              ? "the private key is encrypted and no password was given"
                          : encrypted ? "cannot decrypt the private key (wrong password?)"
                                      : "not a PEM or DER private key";
    return Error::make(ExitCode::kDataError, source.key_name, message);
  }
  return PkeyPtr(key);
}

// PKCS#12 files exported by macOS Keychain Access or older OpenSSL use RC2/3DES, which OpenSSL 3
// keeps in its "legacy" provider. Loaded once, only when such a file shows up, and unloaded at exit
// (before OpenSSL's own cleanup, which was registered earlier) so nothing is left behind.
OSSL_PROVIDER* legacy_provider = nullptr;

void load_legacy_provider() {
  static const bool loaded = [] {
    legacy_provider = OSSL_PROVIDER_try_load(nullptr, "legacy", 1);
    if (legacy_provider) std::atexit([] { OSSL_PROVIDER_unload(legacy_provider); });
    return legacy_provider != nullptr;
  }();
  (void)loaded;
}

struct Pkcs12Parts {
  PkeyPtr key;
  X509Ptr cert;
  X509StackPtr ca;
};

Result<Pkcs12Parts> read_pkcs12(const IdentitySource& source) {
  ERR_clear_error();
  const std::string& name = source.pkcs12_name;
  if (source.pkcs12.size() > kMaxInputBytes) {
    return Error::make(ExitCode::kDataError, name, "PKCS#12 file is too large");
  }
  BioPtr bio = memory_bio(source.pkcs12);
  PKCS12* p12 = d2i_PKCS12_bio(bio.get(), nullptr);
  if (!p12) return openssl_error(ExitCode::kDataError, name, "not a PKCS#12 file");
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> hold(p12, PKCS12_free);
  // An absent password means the empty one; PKCS#12 distinguishes "" from no password at all.
  const char* pass = source.password ? source.password->c_str() : "";
  const int pass_len = static_cast<int>(std::strlen(pass));
  if (PKCS12_mac_present(p12)) {
    if (!PKCS12_verify_mac(p12, pass, pass_len)) {
      if (!source.password && PKCS12_verify_mac(p12, nullptr, 0)) {
        pass = nullptr;
      } else {
        ERR_clear_error();
        return Error::make(ExitCode::kDataError, name,
                           source.password
                               ? "wrong password for the PKCS#12 file (MAC check failed)"
                               : "the PKCS#12 file needs a password (--password-file "
                                 "or --password-env)");
      }
    }
  }
  Pkcs12Parts parts;
  for (int attempt = 0; attempt < 2; ++attempt) {
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    STACK_OF(X509)* ca = nullptr;
    ERR_clear_error();
    if (PKCS12_parse(p12, pass, &key, &cert, &ca)) {
      parts.key.reset(key);
      parts.cert.reset(cert);
      parts.ca.reset(ca ? ca : sk_X509_new_null());
      break;
    }
    const unsigned long err = ERR_peek_last_error();
    if (attempt == 0 && (ERR_GET_REASON(err) == ERR_R_UNSUPPORTED ||
                         ERR_GET_REASON(err) == EVP_R_UNSUPPORTED_ALGORITHM ||
                         ERR_GET_LIB(err) == ERR_LIB_PKCS12)) {
      load_legacy_provider();
      continue;
    }
    return openssl_error(ExitCode::kDataError, name, "cannot read the PKCS#12 file");
  }
  if (!parts.key) return openssl_error(ExitCode::kDataError, name, "cannot read the PKCS#12 file");
  if (!parts.cert) {
    return Error::make(ExitCode::kDataError, name, "the PKCS#12 file holds no certificate");
  }
  return parts;
}

}  // namespace

Result<Identity> load_identity(const IdentitySource& source) {
  auto impl = std::make_shared<Identity::Impl>();
  std::string cert_name = source.cert_name;
  X509StackPtr intermediates(sk_X509_new_null());
  if (!source.pkcs12.empty()) {
    Result<Pkcs12Parts> parts = read_pkcs12(source);
    if (!parts) return parts.error();
    impl->key = parts->key.release();
    impl->cert = parts->cert.release();
    while (sk_X509_num(parts->ca.get()) > 0)
      sk_X509_push(intermediates.get(), sk_X509_shift(parts->ca.get()));
    cert_name = source.pkcs12_name;
  } else {
    if (source.key.empty()) {
      return Error::make(ExitCode::kDataError, source.key_name, "no private key given");
    }
    if (source.cert.empty()) {
      return Error::make(ExitCode::kDataError, source.cert_name, "no certificate given");
    }
    Result<PkeyPtr> key = read_private_key(source);
    if (!key) return key.error();
    impl->key = key->release();
    Result<X509StackPtr> certs = read_certificates(source.cert, source.cert_name);
    if (!certs) return certs.error();
    // A certificate file may carry the chain after the signer's certificate (a "fullchain.pem").
    impl->cert = sk_X509_shift(certs->get());
    while (sk_X509_num(certs->get()) > 0)
      sk_X509_push(intermediates.get(), sk_X509_shift(certs->get()));
  }
  if (!source.chain.empty()) {
    Result<X509StackPtr> chain = read_certificates(source.chain, source.chain_name);
    if (!chain) return chain.error();
    while (sk_X509_num(chain->get()) > 0)
      sk_X509_push(intermediates.get(), sk_X509_shift(chain->get()));
  }
  ERR_clear_error();
  if (X509_check_private_key(impl->cert, impl->key) != 1) {
    ERR_clear_error();
    return Error::make(ExitCode::kDataError, cert_name,
                       "the private key does not belong to the certificate");
  }
  impl->chain = sk_X509_new_null();
  while (sk_X509_num(intermediates.get()) > 0) {
    X509* x = sk_X509_shift(intermediates.get());
    // Roots and duplicates of the signer's certificate only add bytes: a verifier has to hold the
    // root already, and the signer's certificate is always included.
    if (X509_self_signed(x, 0) == 1 || X509_cmp(x, impl->cert) == 0) {
      X509_free(x);
      continue;
    }
    sk_X509_push(impl->chain, x);
    impl->chain_info.push_back(describe(x));
  }
  impl->cert_info = describe(impl->cert);
  ERR_clear_error();
  return Identity(std::shared_ptr<const Identity::Impl>(std::move(impl)));
}

}  // namespace cmdm::signer
