#!/usr/bin/env python3
"""A build killed at any moment leaves OUT as one complete build, never a mix.

Builds 2,000 generated profiles, then rebuilds with every source changed while killing cmdm
(SIGKILL after a range of delays that covers compiling, writing and committing; then SIGTERM).
After each kill OUT must hold exactly the files one manifest lists, each with its size and
SHA-256, and that manifest must be the previous build's or the new one's. SIGTERM must also leave
nothing behind; the next complete build must remove whatever the SIGKILLed ones left.

usage: interrupted_build_test.py --cmdm PATH [--profiles N]
"""
import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>HomePage</key><string>https://intranet.example.com/{tag}/{i}</string>
<key>PayloadIdentifier</key><string>com.example.kill.{i:04d}.safari</string>
<key>PayloadType</key><string>com.apple.Safari</string>
<key>PayloadUUID</key><string>00000000-0000-4000-8000-{i:012d}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></array>
<key>PayloadDisplayName</key><string>Kill test {i}</string>
<key>PayloadIdentifier</key><string>com.example.kill.{i:04d}</string>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadUUID</key><string>10000000-0000-4000-8000-{i:012d}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></plist>
"""


def write_sources(src, n, tag):
    os.makedirs(src, exist_ok=True)
    for i in range(n):
        with open(os.path.join(src, "p%04d.mobileconfig" % i), "w") as f:
            f.write(PROFILE.format(tag=tag, i=i))


def files_under(root):
    out = set()
    for d, _, names in os.walk(root):
        for name in names:
            out.add(os.path.relpath(os.path.join(d, name), root))
    return out


def check_out(out):
    """Returns OUT's manifest text after checking that OUT holds exactly what it lists."""
    with open(os.path.join(out, "manifest.json"), "rb") as f:
        text = f.read()
    listed = json.loads(text)["files"]
    for entry in listed:
        with open(os.path.join(out, entry["path"]), "rb") as f:
            data = f.read()
        if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise AssertionError("%s does not match the manifest" % entry["path"])
    extra = files_under(out) - {e["path"] for e in listed} - {"manifest.json"}
    if extra:
        raise AssertionError("files the manifest does not list: %s" % sorted(extra)[:5])
    return text


def leftovers(parent, out):
    found = [n for n in os.listdir(parent) if n.startswith(".out.")]
    found += [p for p in files_under(out) if ".tmp." in p or ".cmdm-" in p]
    return found


def build(cmdm, src, out):
    return [cmdm, "build", src, "--target", "raw", "-o", out]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cmdm", required=True)
    parser.add_argument("--profiles", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cmdm-kill-") as work:
        src, out = os.path.join(work, "src"), os.path.join(work, "out")
        manifests = {}
        for tag in ("a", "b"):  # what each complete build's manifest is
            write_sources(src, args.profiles, tag)
            subprocess.run(build(args.cmdm, src, os.path.join(work, "ref-" + tag)), check=True,
                           stdout=subprocess.DEVNULL)
            with open(os.path.join(work, "ref-" + tag, "manifest.json"), "rb") as f:
                manifests[f.read()] = tag
        subprocess.run(build(args.cmdm, src, out), check=True, stdout=subprocess.DEVNULL)
        # The kills are timed against a rebuild with every source changed, the case under test.
        write_sources(src, args.profiles, "a")
        t0 = time.monotonic()
        subprocess.run(build(args.cmdm, src, out), check=True, stdout=subprocess.DEVNULL)
        full = time.monotonic() - t0
        state = "a"
        failures = 0
        seen = set()

        def attempt(sig, delay):
            """Rebuilds with every source changed, sends `sig` after `delay` s, checks OUT."""
            nonlocal state
            write_sources(src, args.profiles, "a" if state == "b" else "b")
            proc = subprocess.Popen(build(args.cmdm, src, out), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            time.sleep(delay)
            proc.send_signal(sig)
            _, err = proc.communicate()
            state = manifests[check_out(out)]
            seen.add(state)
            if sig == signal.SIGTERM:
                if proc.returncode not in (0, 128 + signal.SIGTERM):
                    raise AssertionError("exit %d after SIGTERM: %s" % (proc.returncode, err))
                if leftovers(work, out):
                    raise AssertionError("SIGTERM left %s" % leftovers(work, out)[:5])
            print("%-7s after %.3fs (exit %d): OUT holds build %s" %
                  (sig.name, delay, proc.returncode, state))

        def complete_build_leaves_nothing():
            nonlocal state
            subprocess.run(build(args.cmdm, src, out), check=True, stdout=subprocess.DEVNULL)
            state = manifests[check_out(out)]
            if leftovers(work, out):
                raise AssertionError("a complete build left %d leftovers, e.g. %s" %
                                     (len(leftovers(work, out)), leftovers(work, out)[:3]))

        try:
            for k in range(2, 25):  # 10% to 120% of a rebuild
                attempt(signal.SIGKILL, full * k / 20)
            complete_build_leaves_nothing()
            for k in range(6):  # 30% to 105%
                attempt(signal.SIGTERM, full * (0.3 + 0.15 * k))
            complete_build_leaves_nothing()
        except (AssertionError, KeyError, OSError, ValueError) as e:
            failures += 1
            print("OUT is not one whole build: %r" % e)
        if seen != {"a", "b"}:
            print("note: every kill left the same build; the kills did not reach a commit")
        print("rebuild %.3fs; %d kills checked" % (full, 29))
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
