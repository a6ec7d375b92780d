#!/bin/sh
# TEST ONLY. Regenerates the throwaway P-256 key and self-signed certificate used by the signed
# example and the signing tests, and re-signs timeserver-signed.mobileconfig with them. The key is
# public (committed); never trust this certificate or use it for anything but tests.
set -eu
cd "$(dirname "$0")"
openssl ecparam -name prime256v1 -genkey -noout -out test-only-key.pem
openssl req -new -x509 -key test-only-key.pem -out test-only-cert.pem -days 3650 -sha256 \
  -subj "/CN=cmdm TEST ONLY signing certificate - do not trust/O=cmdm tests"
openssl cms -sign -nodetach -binary -outform DER -md sha256 \
  -signer test-only-cert.pem -inkey test-only-key.pem \
  -in timeserver.unsigned.mobileconfig -out ../timeserver-signed.mobileconfig
