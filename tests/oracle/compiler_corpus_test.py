#!/usr/bin/env python3
"""cmdm validate / cmdm compile over the shared corpus, with Python's plistlib as the oracle.

1. Every intentionally invalid fixture of Talieisin__mobileconfig-validator is flagged with the
   problem it was written for; the valid ones report no error; the unknown-key one only warns.
2. Every other corpus file that `cmdm validate` rejects is listed with its first error (so a
   change in behaviour shows up in the log), and the set of rejected files must not grow.
3. A source without template syntax compiles to itself: plistlib reads input and output, and the
   output holds every input value, adding only identity keys (PayloadVersion, PayloadIdentifier,
   PayloadUUID, PayloadType).
4. Compiling twice gives byte-identical output.

usage: compiler_corpus_test.py --cmdm PATH    (exit 77 = skipped: ../shared is absent)
"""
import argparse
import json
import os
import plistlib
import subprocess
import sys
import tempfile

IDENTITY_KEYS = {"PayloadVersion", "PayloadIdentifier", "PayloadUUID", "PayloadType"}

FIXTURES = {
    "invalid__duplicate-uuid": "duplicate PayloadUUID",
    "invalid__invalid-uuid-format": "is not a UUID",
    "invalid__missing-payload-uuid": "the payload has no PayloadUUID",
    "invalid__not-a-plist": None,  # unreadable: exit 65
    "invalid__unknown-payload-type": "unknown PayloadType 'com.nonexistent.payload.type'",
    "invalid__wrong-outer-type": "it must be 'Configuration'",
    "invalid__wrong-payload-version": "PayloadVersion is 2; it must be 1",
}
WARNING_FIXTURES = {"warning__unknown-key": "unknown key 'unknownKeyThatDoesNotExist'"}

# Real-world files the validator rejects today, and why (reviewed by hand).
KNOWN_REJECTED = {
    "microsoft__mdatp-xplat/macos__mobileconfig__combined__mdatp.mobileconfig",
    "microsoft__mdatp-xplat/macos__mobileconfig__profiles__background_services.mobileconfig",
    "microsoft__shell-intune-samples/macOS__Custom Profiles__Disable External Storage__disableExternalStorage.mobileconfig",
    "microsoft__shell-intune-samples/macOS__Custom Profiles__Google Chrome__Prevent proceeding from the SSL warning page__Google Chrome - Prevent proceeding from the SSL warning page.mobileconfig",
}


def contains(out, src, path="root"):
    """Every value of src is in out; dicts may gain identity keys only."""
    if isinstance(src, dict):
        if not isinstance(out, dict):
            return f"{path}: not a dict"
        for k, v in src.items():
            if k not in out:
                return f"{path}.{k}: missing"
            problem = contains(out[k], v, f"{path}.{k}")
            if problem:
                return problem
        extra = set(out) - set(src) - IDENTITY_KEYS
        return f"{path}: unexpected keys {sorted(extra)}" if extra else None
    if isinstance(src, list):
        if not isinstance(out, list) or len(out) != len(src):
            return f"{path}: array differs"
        for i, (a, b) in enumerate(zip(out, src)):
            problem = contains(a, b, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if type(out) is not type(src) or out != src:
        return f"{path}: {out!r} != {src!r}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cmdm", required=True)
    args = parser.parse_args()
    shared = os.environ.get("CMDM_SHARED") or os.path.join(os.path.dirname(__file__), "../../../shared")
    corpus = os.path.join(shared, "corpus", "dev")
    schemas = os.path.join(shared, "apple-device-management")
    if not os.path.isdir(corpus) or not os.path.isdir(schemas):
        print(f"skip: corpus or schema not found under {shared}")
        return 77
    files = []
    for root, _, names in os.walk(corpus):
        files += [os.path.join(root, n) for n in names if n.endswith(".mobileconfig")]
    files.sort()
    env = dict(os.environ, CMDM_SCHEMAS=schemas)
    failures = []
    rejected = {}
    for f in files:
        rel = os.path.relpath(f, corpus)
        p = subprocess.run([args.cmdm, "validate", "--json", f], capture_output=True, env=env)
        result = json.loads(p.stdout)[0]
        errors = [d["message"] for d in result["diagnostics"] if d["severity"] == "error"]
        warnings = [d["message"] for d in result["diagnostics"] if d["severity"] == "warning"]
        name = os.path.basename(f)
        fixture = next((k for k in FIXTURES if k in name), None)
        warning_fixture = next((k for k in WARNING_FIXTURES if k in name), None)
        if fixture:
            want = FIXTURES[fixture]
            if want is None:
                if p.returncode != 65 or not result.get("unreadable"):
                    failures.append(f"{rel}: expected unreadable (65), got {p.returncode}")
            elif p.returncode != 1 or not any(want in e for e in errors):
                failures.append(f"{rel}: expected error '{want}', got {p.returncode} {errors}")
            continue
        if warning_fixture:
            want = WARNING_FIXTURES[warning_fixture]
            if p.returncode != 0 or not any(want in w for w in warnings):
                failures.append(f"{rel}: expected only warning '{want}', got {p.returncode} {errors} {warnings}")
            continue
        if "Talieisin" in rel and "valid__" in name and p.returncode != 0:
            failures.append(f"{rel}: a valid fixture was rejected: {errors}")
            continue
        if p.returncode != 0:
            rejected[rel] = errors[0] if errors else result["diagnostics"][0]["message"]
    for rel, why in sorted(rejected.items()):
        print(f"rejected: {rel}: {why}")
    signed = {r for r in rejected if "/signed__" in r}
    unexpected = set(rejected) - KNOWN_REJECTED - signed
    for rel in sorted(unexpected):
        failures.append(f"{rel}: newly rejected: {rejected[rel]}")

    # Plain sources compile to themselves, twice identically.
    compiled = 0
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            with open(f, "rb") as fh:
                raw = fh.read()
            try:
                src = plistlib.loads(raw)
            except Exception:
                continue
            if not isinstance(src, dict) or not src.get("PayloadIdentifier"):
                continue
            env_plain = {k: v for k, v in os.environ.items() if k != "CMDM_SCHEMAS"}
            outs = []
            for i in range(2):
                out = os.path.join(tmp, f"out{i}.mobileconfig")
                p = subprocess.run([args.cmdm, "compile", f, "-o", out], capture_output=True, env=env_plain)
                if p.returncode != 0:
                    break
                with open(out, "rb") as fh:
                    outs.append(fh.read())
            if len(outs) != 2:
                continue  # validation refused it; listed above
            rel = os.path.relpath(f, corpus)
            if outs[0] != outs[1]:
                failures.append(f"{rel}: two compiles differ")
            problem = contains(plistlib.loads(outs[0]), src)
            if problem:
                failures.append(f"{rel}: compiled output differs from the source: {problem}")
            compiled += 1
    print(f"{len(files)} files validated, {len(rejected)} rejected; {compiled} compiled and compared")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
