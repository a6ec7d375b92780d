// Internal to signer/: owning pointers for OpenSSL objects and the conversion of OpenSSL's error
// queue into cmdm diagnostics. Included only by signer/*.cc, never by a public header.
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "signer/signer.h"

namespace cmdm::signer::detail {

struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct CmsFree {
  void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, CmsFree>;
using StorePtr = std::unique_ptr<X509_STORE, StoreFree>;

// A read-only memory BIO over `bytes` (callers have capped the size to fit an int).
BioPtr memory_bio(std::string_view bytes);

// Drains OpenSSL's error queue into one readable line ("reason (detail); reason ..."), most
// specific first. Empty when the queue was empty.
std::string drain_errors();

// An Error with one message-only diagnostic; `what` is followed by the OpenSSL reasons, if any.
Error openssl_error(ExitCode code, std::string_view file, std::string what);

// Certificates from PEM (any number) or DER (one). An error names `what`.
Result<X509StackPtr> read_certificates(std::string_view bytes, std::string_view what);

CertInfo describe(X509* cert);
std::string name_text(const X509_NAME* name);
std::string oid_text(const ASN1_OBJECT* obj);

// The checks every SignedData reader starts with: size cap, not empty, a SEQUENCE whose length
// fits the input (so truncation gets a plain message).
Status check_outer_header(std::string_view bytes, const std::string& file);
std::int64_t to_unix(const ASN1_TIME* time);

// Parses SignedData (DER or BER) with attached id-data content. Everything else (not CMS, another
// content type, detached content, truncated or oversized input) is a kDataError that says which.
// Notes on harmless oddities (trailing bytes) go to `warnings`.
// With `detached`, the content must be absent instead (a detached signature of a file).
Result<CmsPtr> parse_signed_data(std::string_view bytes, std::string_view file,
                                 std::vector<Diagnostic>* warnings, bool detached = false);

// The attached content (parse_signed_data guarantees it exists).
std::string_view content_of(CMS_ContentInfo* cms);

// Signer summaries; matches signer certificates among the embedded ones first.
std::vector<SignerInfo> describe_signers(CMS_ContentInfo* cms);

// Embedded certificates ordered from the first signer's certificate up its chain, then the rest.
std::vector<CertInfo> ordered_certificates(CMS_ContentInfo* cms);

}  // namespace cmdm::signer::detail
