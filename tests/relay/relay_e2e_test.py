#!/usr/bin/env python3
"""The relay end to end, as an operator and a Mac would run it:

  CI:     cmdm build --sign-key/--sign-cert --bundle      (the build signing identity)
  relay:  cmdm relay publish BUNDLE --config relay.plist  (vendor credentials live only here)
          cmdm relay serve --config relay.plist           (mutual TLS on 127.0.0.1)
  device: cmdm apply BUNDLE with Route relay              (only its client certificate)

The device emulator (cmdm-fake-profiles) must then list every part, the second apply sends
nothing, `cmdm relay audit --device` shows the forwards, and the vendor key appears in no file but
the relay's configuration and in no output or log. SIGHUP reloads, SIGTERM drains and exits 0.

usage: relay_e2e_test.py --cmdm PATH --fake-mdm PATH --fake-profiles PATH --make-pki PATH
"""
import argparse
import os
import plistlib
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testworld"))
from fake_device import make_device  # noqa: E402

DEVICE = "DEVICE-A"


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def run(argv, env=None, expect=0):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=180)
    print("$ %s -> %d" % (" ".join(os.path.basename(a) if i == 0 else a
                                   for i, a in enumerate(argv)), r.returncode))
    if expect is not None and r.returncode != expect:
        fail("exit %d, expected %d\n%s%s" % (r.returncode, expect, r.stdout, r.stderr))
    return r


def write_plist(path, value):
    with open(path, "wb") as f:
        plistlib.dump(value, f)
    os.chmod(path, 0o600)


def main():
    parser = argparse.ArgumentParser()
    for name in ("--cmdm", "--fake-mdm", "--fake-profiles", "--make-pki"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    source_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    key = "relay-vendor-key-" + secrets.token_hex(12)
    root = tempfile.mkdtemp(prefix="cmdm-relay-e2e-")
    pki = os.path.join(root, "pki")
    device_dir = os.path.join(root, "device")
    device_profiles = make_device(device_dir, args.fake_profiles)
    mdm = relay = None
    try:
        run(["/bin/sh", args.make_pki, pki])
        examples = os.path.join(source_dir, "testdata", "examples")
        out = os.path.join(root, "out")
        run([args.cmdm, "build", os.path.join(examples, "safari-homepage.mobileconfig"),
             os.path.join(examples, "security-baseline.mobileconfig"), "--target", "nanomdm",
             "--sign-key", os.path.join(pki, "build-signer.key"),
             "--sign-cert", os.path.join(pki, "build-signer.pem"), "--bundle", "-o", out])
        bundle = os.path.join(out, "bundle.cmdm")

        mdm = subprocess.Popen([args.fake_mdm, "--vendor", "nanomdm", "--port", "0",
                                "--delivery", "now", "--device", "%s=%s" % (DEVICE, device_dir)],
                               stdout=subprocess.PIPE, text=True,
                               env=dict(os.environ, CMDM_FAKE_PASSWORD=key))
        port = mdm.stdout.readline().strip()
        if not port.isdigit():
            fail("cmdm-fake-mdm printed %r" % port)
        relay_config = os.path.join(root, "relay.plist")
        write_plist(relay_config, {
            "Listen": "127.0.0.1:0",
            "ServerCertificate": os.path.join(pki, "server.pem"),
            "ServerKey": os.path.join(pki, "server.key"),
            "DeviceCA": os.path.join(pki, "ca.pem"),
            "DeviceCRL": os.path.join(pki, "crl.pem"),
            "BuildCA": os.path.join(pki, "build-ca.pem"),
            "StateDir": os.path.join(root, "relay-state"),
            "Vendor": {"Route": "direct", "Target": "nanomdm",
                       "ServerURL": "http://127.0.0.1:" + port, "NanoMDM": {"APIKey": key}},
        })
        published = run([args.cmdm, "relay", "publish", bundle, "--config", relay_config])
        if "published" not in published.stdout:
            fail("publish said: " + published.stdout)

        relay_log = open(os.path.join(root, "relay.log"), "w+")
        relay = subprocess.Popen([args.cmdm, "relay", "serve", "--config", relay_config],
                                 stderr=relay_log)
        relay_port = None
        for _ in range(200):
            relay_log.seek(0)
            for line in relay_log.read().splitlines():
                if "listening on 127.0.0.1:" in line:
                    relay_port = line.split("listening on 127.0.0.1:")[1].split()[0]
            if relay_port or relay.poll() is not None:
                break
            time.sleep(0.05)
        if not relay_port:
            relay_log.seek(0)
            fail("the relay did not start:\n" + relay_log.read())

        device_config = os.path.join(root, "device.plist")
        write_plist(device_config, {
            "Route": "relay", "Target": "nanomdm", "ServerURL": "https://127.0.0.1:" + relay_port,
            "Relay": {"ClientCertificate": os.path.join(pki, DEVICE + ".pem"),
                      "ClientKey": os.path.join(pki, DEVICE + ".key")},
            "CABundle": os.path.join(pki, "ca.pem"), "DeviceID": DEVICE,
            "LedgerPath": os.path.join(root, "ledger", "ledger.sqlite"),
            "ProfilesPath": device_profiles})
        env = dict(os.environ, CMDM_CONFIG=device_config)
        first = run([args.cmdm, "apply", bundle, "--ca", os.path.join(pki, "build-ca.pem"),
                     "--poll-interval", "0.05"], env=env)
        if "0 failed" not in first.stdout or "installed" not in first.stdout:
            fail("first apply:\n" + first.stdout + first.stderr)
        listing = run([device_profiles, "show", "-output", "stdout-xml"],
                      env=env)
        for identifier in ("com.example.safari.homepage", "com.example.baseline"):
            if identifier not in listing.stdout:
                fail("the emulator does not list %s:\n%s" % (identifier, listing.stdout))
        second = run([args.cmdm, "apply", bundle, "--json"], env=env)
        if '"requests": 0' not in second.stdout:
            fail("the second apply sent requests:\n" + second.stdout)

        relay.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        audit = run([args.cmdm, "relay", "audit", "--device", DEVICE, "--config", relay_config])
        if audit.stdout.count("forwarded") < 2:
            fail("audit:\n" + audit.stdout)
        other = run([args.cmdm, "relay", "audit", "--device", "DEVICE-B", "--config",
                     relay_config])
        if "no audit entries" not in other.stdout:
            fail("DEVICE-B has entries:\n" + other.stdout)

        relay.send_signal(signal.SIGTERM)
        if relay.wait(timeout=30) != 0:
            fail("the relay exited %d after SIGTERM" % relay.returncode)
        relay_log.seek(0)
        log = relay_log.read()
        for needed in ("reloaded", "draining", "device=DEVICE-A POST /v1/install 200 forwarded"):
            if needed not in log:
                fail("the relay log lacks %r:\n%s" % (needed, log))

        # The vendor key: only in the relay's configuration.
        holders = []
        for directory, _, files in os.walk(root):
            for name in files:
                path = os.path.join(directory, name)
                with open(path, "rb") as f:
                    if key.encode() in f.read():
                        holders.append(os.path.relpath(path, root))
        if holders != ["relay.plist"]:
            fail("the vendor key is in %s" % holders)
        for text in (first.stdout, first.stderr, second.stdout, audit.stdout, log):
            if key in text:
                fail("the vendor key appears in an output")
        print("ok: published, applied through the relay, listed on the device; key only in "
              "relay.plist")
    finally:
        for proc in (relay, mdm):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
