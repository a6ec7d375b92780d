#!/usr/bin/env python3
"""Every profile of the dev corpus, optimized by `cmdm optimize` at each level, must parse in Python's
plistlib to the input's value apart from exactly the changes its level allows (DESIGN.md "Optimizer
levels"). Exit 77 (skip) when the corpus is absent."""
import argparse
import os
import plistlib
import subprocess
import sys
import tempfile

from oracle_util import unwrap_cms

COSMETIC_TOP = {"PayloadDescription", "PayloadOrganization"}
COSMETIC_PAYLOAD = {"PayloadDescription", "PayloadDisplayName", "PayloadOrganization"}
COMMON = {"PayloadType", "PayloadVersion", "PayloadIdentifier", "PayloadUUID",
          "PayloadDisplayName", "PayloadDescription", "PayloadOrganization", "PayloadEnabled"}
# Custom settings hold other domains' preferences: open whatever its schema file lists.
OPEN_TYPES = {"com.apple.ManagedClient.preferences"}


def load_schema(folder):
    """{payload type: set of keys, or None when the type is open}, or None without PyYAML."""
    try:
        import yaml
    except ImportError:
        return None
    types = {}
    profiles = os.path.join(folder, "mdm", "profiles")
    for name in sorted(os.listdir(profiles)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(profiles, name), encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        ptype = (doc.get("payload") or {}).get("payloadtype")
        if not ptype or ptype in ("TopLevel", "CommonPayloadKeys"):
            continue
        keys = {k.get("key") for k in doc.get("payloadkeys") or [] if isinstance(k, dict)}
        prev = types.get(ptype, set())
        types[ptype] = None if "ANY" in keys or prev is None or ptype in OPEN_TYPES else prev | keys
    return types


def unwrap(raw):
    if raw[:1] != b"\x30":
        return raw
    return unwrap_cms(raw) or b""


def expected(value, level, schema):
    """The input with the keys its level drops removed (payload UUIDs are compared separately)."""
    if level == "lossless" or not isinstance(value, dict):
        return value
    v = {k: x for k, x in value.items() if k not in COSMETIC_TOP}
    if level == "aggressive":
        v.pop("ConsentText", None)
    content = v.get("PayloadContent")
    if isinstance(content, list):
        out = []
        for p in content:
            if isinstance(p, dict):
                p = {k: x for k, x in p.items() if k not in COSMETIC_PAYLOAD}
                known = schema.get(p.get("PayloadType"), None) if (schema and level == "aggressive") else None
                if known is not None:
                    p = {k: x for k, x in p.items() if k in COMMON or k in known}
            out.append(p)
        v["PayloadContent"] = out
    return v


def strip_payload_uuids(value):
    if not isinstance(value, dict) or not isinstance(value.get("PayloadContent"), list):
        return value, []
    v = dict(value)
    uuids, content = [], []
    for p in v["PayloadContent"]:
        if isinstance(p, dict) and "PayloadUUID" in p:
            uuids.append(p["PayloadUUID"])
            p = {k: x for k, x in p.items() if k != "PayloadUUID"}
        content.append(p)
    v["PayloadContent"] = content
    return v, uuids


def check_form(level, data):
    if level == "lossless":
        return data.startswith(b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE plist')
    if level == "safe":
        return data.startswith(b'<plist version="1.0"><dict>')
    return data.startswith(b"bplist00") or data.startswith(b"<dict>")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmdm", required=True)
    ap.add_argument("--target", default="workspaceone")
    args = ap.parse_args()
    shared = os.environ.get("CMDM_SHARED") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")
    corpus = os.path.join(shared, "corpus", "dev")
    if not os.path.isfile(os.path.join(corpus, "INDEX.tsv")):
        print(f"skip: no corpus at {corpus}")
        return 77
    schema_dir = os.path.join(shared, "apple-device-management")
    schema = load_schema(schema_dir) if os.path.isdir(schema_dir) else None
    env = dict(os.environ)
    env.pop("CMDM_SCHEMAS", None)
    files = []
    with open(os.path.join(corpus, "INDEX.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if "plist-parse-error" not in cols[6]:
                files.append(os.path.join(corpus, cols[0]))
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for level in ("lossless", "safe", "aggressive"):
            checked = 0
            for i, path in enumerate(files):
                with open(path, "rb") as f:
                    original = plistlib.loads(unwrap(f.read()))
                out = os.path.join(tmp, f"{level}-{i}.mobileconfig")
                cmd = [args.cmdm, "optimize", path, "--target", args.target, "--level", level, "-o", out]
                if level == "aggressive" and schema is not None:
                    cmd += ["--schemas", schema_dir]
                r = subprocess.run(cmd, capture_output=True, env=env, check=False)
                if r.returncode != 0:
                    print(f"FAIL {level} {path}: cmdm exited {r.returncode}: {r.stderr.decode()[:400]}")
                    failures += 1
                    continue
                with open(out, "rb") as f:
                    data = f.read()
                if not check_form(level, data):
                    print(f"FAIL {level} {path}: unexpected encoding {data[:40]!r}")
                    failures += 1
                try:
                    got = plistlib.loads(data)
                except Exception as e:  # noqa: BLE001 - any parse failure is the finding
                    print(f"FAIL {level} {path}: plistlib cannot read the output: {e}")
                    failures += 1
                    continue
                want = expected(original, level, schema)
                if level == "aggressive":
                    got_rest, got_uuids = strip_payload_uuids(got)
                    want_rest, want_uuids = strip_payload_uuids(want)
                    ok = got_rest == want_rest and len(got_uuids) == len(want_uuids)
                    if ok and len(set(want_uuids)) == len(want_uuids):
                        ok = len(set(got_uuids)) == len(got_uuids)
                    for a, b in zip(got_uuids, want_uuids):
                        ok = ok and isinstance(a, str) and a != "" and (a == b or len(a) < len(b))
                else:
                    ok = got == want
                if isinstance(original, dict):
                    for key in ("PayloadIdentifier", "PayloadUUID"):
                        ok = ok and got.get(key) == original.get(key)
                if not ok:
                    print(f"FAIL {level} {path}: value differs beyond what {level} allows")
                    failures += 1
                checked += 1
            print(f"{level}: {checked} profiles checked")
    print("ok" if failures == 0 else f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
