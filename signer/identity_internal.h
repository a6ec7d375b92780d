// Internal to signer/: what an Identity holds. Only signer/*.cc include this (it names OpenSSL
// types).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <vector>

#include "signer/signer.h"

namespace cmdm::signer {

struct Identity::Impl {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509) * chain = nullptr;  // intermediates only, roots removed
  CertInfo cert_info;
  std::vector<CertInfo> chain_info;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl();
};

}  // namespace cmdm::signer
