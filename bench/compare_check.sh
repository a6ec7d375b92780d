#!/bin/sh
# Side by side: `cmdm check` over the dev corpus against a Python reference doing the same work
# (parse, unwrap signed files, re-encode as minimal XML or binary, base64, wrap in Workspace ONE's
# CommandXml, count), at each level. Prints both times, the ratio, and both fit counts.
# Usage: bench/compare_check.sh [path/to/cmdm]   (exit 77 when the corpus is absent)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cmdm=${1:-$here/../build/cli/cmdm}
case $cmdm in /*) ;; *) cmdm=$(pwd)/$cmdm ;; esac
shared=${CMDM_SHARED:-$here/../../shared}
corpus=$shared/corpus/dev
if [ ! -f "$corpus/INDEX.tsv" ]; then echo "skip: no corpus at $corpus"; exit 77; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The files plistlib can parse (INDEX.tsv flags the others), unsigned and signed.
awk -F'\t' 'NR > 1 && $7 !~ /plist-parse-error/ { print $1 }' "$corpus/INDEX.tsv" > "$tmp/files"

cat > "$tmp/ref.py" <<'PY'
import base64, plistlib, subprocess, sys
level, corpus, listing = sys.argv[1], sys.argv[2], sys.argv[3]
COSMETIC_TOP = {"PayloadDescription", "PayloadOrganization"}
COSMETIC_IN = {"PayloadDescription", "PayloadDisplayName", "PayloadOrganization"}
def esc(s): return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
def xml(v, out):
    if isinstance(v, bool): out.append("<true/>" if v else "<false/>")
    elif isinstance(v, int): out.append("<integer>%d</integer>" % v)
    elif isinstance(v, float): out.append("<real>%r</real>" % v)
    elif isinstance(v, str): out.append("<string>%s</string>" % esc(v) if v else "<string/>")
    elif isinstance(v, bytes): out.append("<data>%s</data>" % base64.b64encode(v).decode())
    elif isinstance(v, dict):
        out.append("<dict>")
        for k, x in v.items(): out.append("<key>%s</key>" % esc(k)); xml(x, out)
        out.append("</dict>")
    elif isinstance(v, list):
        out.append("<array>"); [xml(x, out) for x in v]; out.append("</array>")
    else: out.append("<date>%s</date>" % v.strftime("%Y-%m-%dT%H:%M:%SZ"))
def safe(v):
    v = {k: x for k, x in v.items() if k not in COSMETIC_TOP}
    if isinstance(v.get("PayloadContent"), list):
        v["PayloadContent"] = [{k: x for k, x in p.items() if k not in COSMETIC_IN} if isinstance(p, dict) else p
                               for p in v["PayloadContent"]]
    return v
fit = 0
for name in open(listing).read().split("\n"):
    if not name: continue
    raw = open(corpus + "/" + name, "rb").read()
    if raw[:1] == b"\x30":
        raw = subprocess.run(["openssl", "cms", "-verify", "-noverify", "-inform", "DER", "-binary"],
                             input=raw, capture_output=True).stdout
    v = plistlib.loads(raw)
    if level == "lossless":
        out = []; xml(v, out)
        body = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
                '"http://www.apple.com/DTDs/PropertyList-1.0.dtd"><plist version="1.0">' + "".join(out) + "</plist>").encode()
    elif level == "safe":
        out = []; xml(safe(v), out)
        body = ('<plist version="1.0">' + "".join(out) + "</plist>").encode()
    else:
        body = plistlib.dumps(safe(v), fmt=plistlib.FMT_BINARY, sort_keys=False)
    command = ("<dict><key>RequestType</key><string>InstallProfile</string><key>Payload</key><data>"
               + base64.b64encode(body).decode() + "</data></dict>")
    fit += len(command) <= 2000
print(fit)
PY

now() { python3 -c 'import time; print(time.time())'; }
printf '%-11s %10s %10s %8s %9s %9s\n' level cmdm_s python_s ratio cmdm_fit py_fit
for level in lossless safe aggressive; do
  t0=$(now)
  (cd "$corpus" && tr '\n' '\0' < "$tmp/files" | xargs -0 "$cmdm" check --target workspaceone --level "$level" --json) > "$tmp/cmdm.json" || true
  t1=$(now)
  py_fit=$(python3 "$tmp/ref.py" "$level" "$corpus" "$tmp/files")
  t2=$(now)
  cmdm_fit=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1])) if r["fits"]))' "$tmp/cmdm.json")
  python3 -c 'import sys; a,b,c=map(float,sys.argv[1:4]); l=sys.argv[4]; print("%-11s %10.3f %10.3f %7.1fx %9s %9s" % (l, b-a, c-b, (c-b)/(b-a), sys.argv[5], sys.argv[6]))' \
    "$t0" "$t1" "$t2" "$level" "$cmdm_fit" "$py_fit"
done
echo "ratio = Python time / cmdm time (higher: cmdm faster); both include process start-up"
