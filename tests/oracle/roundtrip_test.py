#!/usr/bin/env python3
"""Oracle round trip over the dev corpus, with Python's plistlib as the independent parser.

For every corpus file plistlib parses (CMS-signed ones unwrapped with openssl first): cmdm's
minimal, pretty and binary outputs each parse in plistlib to exactly the value plistlib read from
the input (type-exact: bool, int, float, str, bytes, datetime, list, dict), which also shows that
cmdm parsed the input to that value; minimal output is byte-identical on a second run. Files
plistlib rejects get either a clean cmdm error (exit 65 with file:line:col) or, where cmdm is
deliberately more lenient (NUL bytes after </plist>, whitespace before <?xml), output plistlib
reads. Never a crash. Exit 77 (skip) when the corpus is absent.
"""
import argparse
import difflib
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tempfile

from oracle_util import same, unwrap_cms

SKIP = 77


def corpus_files(corpus):
    """(relative path, format) from INDEX.tsv, or every file when the index is missing."""
    index = os.path.join(corpus, "INDEX.tsv")
    if os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f][1:]
        return [(r[0], r[3]) for r in rows if r and r[0]]
    out = []
    for root, _, names in os.walk(corpus):
        for n in names:
            if n.endswith((".md", ".tsv", ".txt")):
                continue
            rel = os.path.relpath(os.path.join(root, n), corpus)
            out.append((rel, "xml"))
    return sorted(out)


def run_fmt(cmdm, style, paths):
    """Rewrites paths in place with one cmdm process; returns (returncode, stderr)."""
    if not paths:
        return 0, ""
    r = subprocess.run([cmdm, "fmt", "--style", style, "--in-place", *paths],
                       capture_output=True, text=True)
    return r.returncode, r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmdm", required=True)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    shared = os.environ.get("CMDM_SHARED", os.path.join(os.path.dirname(__file__), "../../../shared"))
    corpus = os.path.join(shared, "corpus", "dev")
    if not os.path.isdir(corpus):
        print(f"SKIP: corpus not found at {corpus} (set CMDM_SHARED)")
        return SKIP
    if shutil.which("openssl") is None:
        print("SKIP: openssl is needed to unwrap the signed corpus files")
        return SKIP

    passed, failed = 0, 0
    failures = []

    def fail(name, why):
        nonlocal failed
        failed += 1
        failures.append(f"FAIL {name}: {why}")

    work = tempfile.mkdtemp(prefix="cmdm-oracle-")
    try:
        accepted = {}  # name -> (input bytes, plistlib value)
        rejected = {}  # name -> input bytes
        for rel, fmt in corpus_files(corpus):
            path = os.path.join(corpus, rel)
            with open(path, "rb") as f:
                data = f.read()
            if fmt == "cms-der":
                with open(path, "rb") as f:
                    data = unwrap_cms(f.read())
                if data is None:
                    fail(rel, "openssl could not unwrap the CMS envelope")
                    continue
            name = "%04d_%s" % (len(accepted) + len(rejected), os.path.basename(rel))
            try:
                accepted[name] = (data, plistlib.loads(data))
            except Exception:  # plistlib's many exception types all mean "rejected"
                rejected[name] = data

        styles = ["minimal", "pretty", "binary", "minimal2"]
        for style in styles + ["input"]:
            os.makedirs(os.path.join(work, style))
        for name, (data, _) in accepted.items():
            for style in styles + ["input"]:
                with open(os.path.join(work, style, name), "wb") as f:
                    f.write(data)
        for style in styles:
            paths = [os.path.join(work, style, n) for n in accepted]
            code, err = run_fmt(args.cmdm, style.rstrip("2"), paths)
            if code != 0:
                fail(f"cmdm fmt --style {style}", f"exit {code}: {err.strip()[:2000]}")

        identical_pretty, diff_lines = 0, 0
        for name, (data, expected) in accepted.items():
            ok = True
            outputs = {}
            for style in styles:
                with open(os.path.join(work, style, name), "rb") as f:
                    outputs[style] = f.read()
            for style in ("minimal", "pretty", "binary"):
                try:
                    got = plistlib.loads(outputs[style])
                except Exception as e:
                    fail(name, f"plistlib rejects cmdm's {style} output: {e}")
                    ok = False
                    continue
                if not same(got, expected):
                    fail(name, f"{style} output parses to a different value")
                    ok = False
            if outputs["minimal"] != outputs["minimal2"]:
                fail(name, "minimal output differs between two runs")
                ok = False
            if outputs["binary"][:8] != b"bplist00":
                fail(name, "binary output does not start with bplist00")
                ok = False
            if outputs["pretty"] == data:
                identical_pretty += 1
            else:
                a = data.decode("utf-8", "replace").replace("\r\n", "\n").splitlines()
                b = outputs["pretty"].decode("utf-8", "replace").splitlines()
                diff_lines += sum(1 for line in difflib.unified_diff(a, b, lineterm="", n=0)
                                  if line[:1] in "+-" and line[:3] not in ("+++", "---"))
            if ok:
                passed += 1

        position = re.compile(r":\d+:\d+: error: ")
        lenient = 0
        for name, data in rejected.items():
            path = os.path.join(work, "input", name)
            with open(path, "wb") as f:
                f.write(data)
            out = path + ".out"
            r = subprocess.run([args.cmdm, "fmt", "--style", "minimal", path, "-o", out],
                               capture_output=True, text=True)
            if r.returncode >= 128 or r.returncode < 0 or r.returncode == 70:
                fail(name, f"cmdm crashed or failed internally (exit {r.returncode}): {r.stderr}")
            elif r.returncode == 65:
                if position.search(r.stderr) and name in r.stderr:
                    passed += 1
                else:
                    fail(name, f"error without file:line:col: {r.stderr.strip()}")
            elif r.returncode == 0:
                # cmdm accepts what plistlib rejects; its output must then be a clean plist.
                try:
                    with open(out, "rb") as f:
                        plistlib.loads(f.read())
                    passed += 1
                    lenient += 1
                except Exception as e:
                    fail(name, f"cmdm accepted it but plistlib rejects cmdm's output: {e}")
            else:
                fail(name, f"unexpected exit {r.returncode}: {r.stderr.strip()}")
            if args.verbose:
                print(f"rejected by plistlib: {name}: cmdm exit {r.returncode}: {r.stderr.strip()}")

        for line in failures:
            print(line)
        print(f"{len(accepted)} files plistlib parses: minimal, pretty and binary outputs checked; "
              f"{len(rejected)} files plistlib rejects ({lenient} accepted by cmdm)")
        print(f"pretty output byte-identical to the input for {identical_pretty} of {len(accepted)} "
              f"files; {diff_lines} changed lines over the others (line endings aside)")
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
