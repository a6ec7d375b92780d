#!/usr/bin/env python3
"""Random plists through cmdm's writers, with plistlib as the oracle.

Generates seeded random values of every type (edge integers, reals from random bit patterns,
strings with &, <, >, "]]>", CR, CRLF and non-ASCII text, dates, data, empty and nested
containers), writes them with plistlib as XML and as binary (alternately), rewrites each with
`cmdm fmt --style minimal|pretty|binary --in-place`, and checks that plistlib reads every output
back to the same value (type-exact). Needs no corpus.
"""
import argparse
import datetime
import math
import os
import plistlib
import random
import shutil
import struct
import subprocess
import sys
import tempfile

from oracle_util import same

INTS = [0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, 2**31, 2**32, 2**63 - 1, -2**63, 2**63,
        2**64 - 1, -2**31]
TEXT = ["", "a", "&", "<", ">", "]]>", "]]", "x]]>y]>", "\r", "\r\n", "a\rb", " lead", "trail ",
        "\t", "caf\u00e9", "\u4e2d\u6587", "\U0001F600", "&amp;", "<key>", "\"'", "$USERNAME",
        "%SerialNumber%", "{{ var }}"]


def rand_text(rng):
    return "".join(rng.choice(TEXT) for _ in range(rng.randint(0, 4)))


def rand_real(rng):
    choice = rng.random()
    if choice < 0.3:
        return rng.choice([0.0, -0.0, 1.0, 0.1, -2.5, 1e300, 5e-324, 1e16, 1e17, 123456.0,
                           float("inf"), float("-inf"), float("nan"), 0.30000000000000004])
    while True:
        d = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if not math.isnan(d):
            return d


def rand_date(rng):
    # Whole seconds: XML dates carry no fraction.
    base = datetime.datetime(1950, 1, 1)
    return base + datetime.timedelta(seconds=rng.randint(0, 110 * 365 * 86400))


def rand_value(rng, depth):
    kinds = ["str", "int", "real", "bool", "date", "data"]
    if depth < 6:
        kinds += ["array", "dict"] * 2
    kind = rng.choice(kinds)
    if kind == "str":
        return rand_text(rng)
    if kind == "int":
        return rng.choice(INTS) if rng.random() < 0.5 else rng.randint(-2**63, 2**64 - 1)
    if kind == "real":
        return rand_real(rng)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "date":
        return rand_date(rng)
    if kind == "data":
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 2, 3, 45, 46, 100])))
    if kind == "array":
        return [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rand_text(rng) or "k%d" % i: rand_value(rng, depth + 1) for i in range(rng.randint(0, 4))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmdm", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    values = [rand_value(rng, 0) for _ in range(args.count)]
    # plistlib's XML writer turns CR into LF, so the expected value is what plistlib reads back
    # from the input it wrote, not the generated value.
    inputs = [plistlib.dumps(v, fmt=plistlib.FMT_BINARY if i % 2 else plistlib.FMT_XML,
                             sort_keys=False) for i, v in enumerate(values)]
    values = [plistlib.loads(data) for data in inputs]
    work = tempfile.mkdtemp(prefix="cmdm-random-")
    passed = failed = 0
    try:
        styles = ["minimal", "pretty", "binary"]
        for style in styles:
            os.makedirs(os.path.join(work, style))
            paths = []
            for i, data in enumerate(inputs):
                path = os.path.join(work, style, "%04d.plist" % i)
                with open(path, "wb") as f:
                    f.write(data)
                paths.append(path)
            r = subprocess.run([args.cmdm, "fmt", "--style", style, "--in-place", *paths],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL cmdm fmt --style {style}: exit {r.returncode}: {r.stderr[:2000]}")
                failed += 1
        for i, v in enumerate(values):
            ok = True
            for style in styles:
                path = os.path.join(work, style, "%04d.plist" % i)
                try:
                    with open(path, "rb") as f:
                        got = plistlib.loads(f.read())
                except Exception as e:
                    print(f"FAIL value {i} ({style}): plistlib rejects cmdm's output: {e}")
                    ok = False
                    continue
                if not same(got, v):
                    print(f"FAIL value {i} ({style}): {v!r} came back as {got!r}")
                    ok = False
            passed += ok
            failed += not ok
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
