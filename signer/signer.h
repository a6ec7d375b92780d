// CMS (PKCS#7) SignedData for configuration profiles: sign compactly, verify, and unwrap.
// OpenSSL does the cryptography; none of its types appear here. Inputs and outputs are bytes:
// files, passwords, the clock and trust stores are read by the caller (cli/), so the library has no
// I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::signer {

// Largest CMS or content input accepted; larger input is rejected before OpenSSL sees it.
inline constexpr std::size_t kMaxInputBytes = 64u * 1024 * 1024;

// Where an identity comes from: either a private key plus a certificate (each PEM or DER), or a
// PKCS#12 bundle. `chain` holds intermediate certificates (PEM bundle or one DER certificate). The
// *_name fields only label diagnostics.
struct IdentitySource {
  std::string key;
  std::string key_name = "key";
  std::string cert;
  std::string cert_name = "certificate";
  std::string pkcs12;
  std::string pkcs12_name = "PKCS#12";
  std::optional<std::string> password;  // for PKCS#12 or an encrypted private key
  std::string chain;
  std::string chain_name = "chain";
};

// A certificate as people read it.
struct CertInfo {
  std::string subject;  // one-line RFC 2253 form, e.g. "CN=E8,O=Let's Encrypt,C=US"
  std::string issuer;
  std::string serial;           // hex, upper case
  std::string key;              // "RSA-2048", "EC P-256", ...
  std::int64_t not_before = 0;  // Unix seconds
  std::int64_t not_after = 0;
  bool self_signed = false;
  std::size_t der_bytes = 0;  // what the certificate adds to a signature
};

// A private key with its certificate and intermediates, ready to sign. Cheap to copy (shared,
// immutable). Built only by load_identity().
class Identity {
 public:
  Identity();
  ~Identity();
  Identity(const Identity&);
  Identity& operator=(const Identity&);
  Identity(Identity&&) noexcept;
  Identity& operator=(Identity&&) noexcept;

  const CertInfo& certificate() const;
  const std::vector<CertInfo>& chain() const;  // intermediates, in the order given

  struct Impl;
  const Impl* impl() const { return impl_.get(); }
  explicit Identity(std::shared_ptr<const Impl> impl);

 private:
  std::shared_ptr<const Impl> impl_;
};

// Loads and checks an identity: the key must match the certificate. A wrong PKCS#12 password, an
// encrypted key without a password, or unreadable bytes give a clear error (ExitCode::kDataError).
// Self-signed certificates in the chain are dropped: a verifier must already hold its roots, so
// sending one only adds bytes.
Result<Identity> load_identity(const IdentitySource& source);

struct SignOptions {
  std::string digest = "sha256";  // sha256, sha384 or sha512
  // Signed attributes (contentType, messageDigest, signingTime). Without them the signature covers
  // the content directly; the output is about 80 bytes smaller and carries no signing time.
  bool signed_attributes = true;
  // Include the intermediates; false sends only the signer's certificate.
  bool include_chain = true;
  // The signingTime attribute (Unix seconds); callers pass SOURCE_DATE_EPOCH for reproducible
  // output. Unset means now.
  std::optional<std::int64_t> signing_time;
  // With signed attributes, whether to include signingTime (30 bytes). Without it the attributes
  // are contentType and messageDigest only, the minimum CMS allows.
  bool signing_time_attribute = true;
  // How the SignerInfo names its certificate: issuer and serial number (RFC 5652 version 1, the
  // form every verifier knows), or the certificate's subjectKeyIdentifier (version 3: 22 bytes
  // instead of the issuer's name plus serial, often 60-120 bytes). Key id needs a certificate
  // with that extension.
  enum class SignerId { kIssuerAndSerial, kKeyId };
  SignerId signer_id = SignerId::kIssuerAndSerial;
  // Leave the content out (a detached signature of a file that travels beside it, such as
  // manifest.json.p7s); verify_detached() checks it against the file.
  bool detached = false;
};

// Signs `content` as DER CMS SignedData with the content attached. No S/MIME capabilities or other
// optional attributes are added, so the signature stays small. With RSA keys, the same content,
// identity, options and signing time give byte-identical output; ECDSA signatures are randomized
// unless deterministic_ecdsa() is true.
Result<std::string> sign(std::string_view content, const Identity& identity,
                         const SignOptions& options = {});

// True when this OpenSSL derives ECDSA nonces from the key and message (RFC 6979, OpenSSL 3.2+),
// which makes ECDSA signatures reproducible too.
bool deterministic_ecdsa();

// What a SignedData says about its signer.
struct SignerInfo {
  CertInfo certificate;             // the signer's certificate (empty subject if not included)
  std::string digest_algorithm;     // "SHA256"
  std::string signature_algorithm;  // "ECDSA-SHA256", "RSA-SHA256", "RSA-PSS"
  bool signed_attributes = false;
  std::optional<std::int64_t> signing_time;  // Unix seconds, from the signingTime attribute
};

struct VerifyOptions {
  // Trust anchors (PEM bundles or DER certificates). Empty: the signature and content digest are
  // checked against the embedded signer certificate, but the chain is not checked for trust.
  std::vector<std::string> trust_anchors;
  // Check certificate validity at this time (Unix seconds) instead of now.
  std::optional<std::int64_t> at_time;
  std::string file_name;  // labels diagnostics
};

enum class Trust { kNotChecked, kTrusted };

struct VerifyReport {
  std::size_t content_bytes = 0;
  std::vector<SignerInfo> signers;
  std::vector<CertInfo>
      certificates;  // every embedded certificate, signer first, then up the chain
  Trust trust = Trust::kNotChecked;
  std::vector<Diagnostic> warnings;
};

// Verifies the signature and content digest of each signer, and, with trust anchors, the chain
// (any certificate purpose: profile signers often hold TLS certificates). A bad signature, a
// changed content byte or an untrusted chain is an Error with ExitCode::kCheckFailed; input that
// is not SignedData is ExitCode::kDataError.
Result<VerifyReport> verify(std::string_view cms, const VerifyOptions& options = {});

// verify() for a detached signature (SignOptions::detached) of `content`.
Result<VerifyReport> verify_detached(std::string_view cms, std::string_view content,
                                     const VerifyOptions& options = {});

struct Unwrapped {
  std::string content;
  std::vector<Diagnostic> warnings;  // always says the signature is dropped
  std::string signer;                // subject of the signer's certificate; empty if not included
};

// Extracts the signed content of a CMS or PKCS#7 SignedData, DER or BER (indefinite lengths and
// chunked content, as macOS `security cms` writes them). Does not check the signature, and reads
// only the structure it needs (no certificate is decoded), so it is fast; verify() for the rest.
Result<Unwrapped> unwrap(std::string_view cms, std::string_view file_name = {});

// "2026-05-28T04:30:44Z" for Unix seconds.
std::string format_time(std::int64_t unix_seconds);

// True when the bytes start like a ContentInfo holding pkcs7-signedData. Cheap: looks at a few
// header bytes only.
bool is_cms(std::string_view bytes);

}  // namespace cmdm::signer
