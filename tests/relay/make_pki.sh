#!/bin/sh
# Makes the throwaway PKI the relay's tests and benchmark use, in directory $1 (created):
#   ca.pem/.key            the device CA (also issues the relay's server certificate)
#   server.pem/.key        the relay's TLS identity: CN=localhost, SAN IP:127.0.0.1, DNS:localhost
#   DEVICE-A.pem/.key      a device (subject CN DEVICE-A); likewise DEVICE-B, and DEV-0000..
#                          DEV-<N-1> when $2 = N is given (the benchmark's devices)
#   expired.pem/.key       CN=DEVICE-EXPIRED, valid 2020-2021
#   revoked.pem/.key       CN=DEVICE-REVOKED, listed in crl.pem
#   crl.pem                the device CA's CRL
#   other-ca.pem, other.pem/.key   another CA, and a device certificate (CN=DEVICE-A) from it
#   build-ca.pem, build-signer.pem/.key   the CI build signing identity and its CA
set -eu
d=$1
count=${2:-0}
mkdir -p "$d/ca-db"
cd "$d"
: > ca-db/index.txt
echo 1000 > ca-db/serial
cat > openssl.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
default_ca = device_ca
[device_ca]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
certificate = ca.pem
private_key = ca.key
default_md = sha256
default_days = 3650
default_crl_days = 3650
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[signer_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; chmod 600 "$1.key"; }
selfsigned() {
  key "$1"
  openssl req -new -x509 -config openssl.cnf -key "$1.key" -subj "/CN=$2" -days 3650 \
    -extensions ca_ext -out "$1.pem"
}
# issue NAME CN EXTENSIONS [extra openssl ca options...]
issue() {
  name=$1 cn=$2 ext=$3
  shift 3
  key "$name"
  openssl req -new -config openssl.cnf -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  openssl ca -batch -config openssl.cnf -extensions "$ext" -in "$name.csr" -out "$name.pem" \
    -notext "$@" 2>/dev/null
  rm -f "$name.csr"
}
selfsigned ca "cmdm Test Device CA"
issue server localhost server_ext
issue DEVICE-A DEVICE-A client_ext
issue DEVICE-B DEVICE-B client_ext
issue expired DEVICE-EXPIRED client_ext -startdate 20200101000000Z -enddate 20210101000000Z
issue revoked DEVICE-REVOKED client_ext
openssl ca -config openssl.cnf -revoke revoked.pem 2>/dev/null
openssl ca -config openssl.cnf -gencrl -out crl.pem 2>/dev/null
i=0
while [ "$i" -lt "$count" ]; do
  n=$(printf 'DEV-%04d' "$i")
  issue "$n" "$n" client_ext
  i=$((i + 1))
done
# Another CA that the relay does not trust, with a device that claims to be DEVICE-A.
selfsigned other-ca "cmdm Other CA"
key other
openssl req -new -config openssl.cnf -key other.key -subj "/CN=DEVICE-A" -out other.csr
openssl x509 -req -in other.csr -CA other-ca.pem -CAkey other-ca.key -set_serial 7 -days 3650 \
  -extfile openssl.cnf -extensions client_ext -out other.pem 2>/dev/null
# The CI build signing identity.
selfsigned build-ca "cmdm Test Build CA"
key build-signer
openssl req -new -config openssl.cnf -key build-signer.key -subj "/CN=cmdm CI build signer" \
  -out build-signer.csr
openssl x509 -req -in build-signer.csr -CA build-ca.pem -CAkey build-ca.key -set_serial 9 \
  -days 3650 -extfile openssl.cnf -extensions signer_ext -out build-signer.pem 2>/dev/null
rm -f ./*.csr
