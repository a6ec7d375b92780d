#!/usr/bin/env python3
"""The relay end to end, as an operator and a Mac would run it:

  CI:     cmdm build --sign-key/--sign-cert --bundle      (the build signing identity)
  relay:  cmdm relay publish BUNDLE --config relay.plist  (vendor credentials live only here)
          cmdm relay serve --config relay.plist           (mutual TLS on 127.0.0.1)
  device: cmdm apply BUNDLE with Route relay              (only its client certificate)

The device emulator (cmdm-fake-profiles) must then list every part, the second apply sends
nothing, `cmdm relay audit --device` shows the forwards, and the vendor key appears in no file but
the relay's configuration and in no output or log. SIGHUP reloads: a device-compiled profile the
policy refused is accepted after the policy file allows it, and a broken policy file keeps the
running policy. SIGTERM drains and exits 0.

usage: relay_e2e_test.py --cmdm PATH --fake-mdm PATH --fake-profiles PATH --make-pki PATH
"""
import argparse
import base64
import http.client
import json
import os
import plistlib
import secrets
import shutil
import signal
import ssl
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


# A profile a device compiled itself: one Dock payload, identifiers under com.example.device.
DEVICE_PROFILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>PayloadIdentifier</key><string>com.example.device.dock.payload</string>
<key>PayloadType</key><string>com.apple.dock</string>
<key>PayloadUUID</key><string>5A1B2C3D-4E5F-4A6B-8C7D-0E1F2A3B4C5D</string>
<key>PayloadVersion</key><integer>1</integer>
<key>autohide</key><true/>
</dict></array>
<key>PayloadDisplayName</key><string>Device Dock</string>
<key>PayloadIdentifier</key><string>com.example.device.dock</string>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadUUID</key><string>6B2C3D4E-5F6A-4B7C-9D8E-1F2A3B4C5D6E</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></plist>
"""


def post_device_profile(pki, port, key):
    """POST /v1/profiles as DEVICE over mutual TLS; returns (status, body)."""
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
    context.load_cert_chain(os.path.join(pki, DEVICE + ".pem"), os.path.join(pki, DEVICE + ".key"))
    connection = http.client.HTTPSConnection("127.0.0.1", int(port), context=context, timeout=30)
    try:
        body = json.dumps({"profile": base64.b64encode(DEVICE_PROFILE).decode()})
        connection.request("POST", "/v1/profiles", body=body,
                           headers={"Content-Type": "application/json", "Idempotency-Key": key})
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def read_log(log):
    log.seek(0)
    return log.read()


def sighup_and_wait(relay, log, needle):
    """Sends SIGHUP and waits until the log shows one more line containing `needle`."""
    before = read_log(log).count(needle)
    relay.send_signal(signal.SIGHUP)
    for _ in range(200):
        if read_log(log).count(needle) > before:
            return
        time.sleep(0.05)
    fail("no %r in the relay log after SIGHUP:\n%s" % (needle, read_log(log)))


def check_policy_reload(relay, relay_log, policy, pki, relay_port):
    """SIGHUP changes the policy in effect; a broken new policy keeps the running one."""
    status, body = post_device_profile(pki, relay_port, "device-profile-1")
    if status != 403 or "device_profiles_disabled" not in body:
        fail("before the reload: %d %s" % (status, body))
    write_plist(policy, {"AllowDeviceProfiles": True,
                         "AllowedIdentifierPrefixes": ["com.example.device."]})
    sighup_and_wait(relay, relay_log, "reloaded ")
    status, body = post_device_profile(pki, relay_port, "device-profile-2")
    if status != 200 or '"sent"' not in body:
        fail("after the reload allowed device profiles: %d %s" % (status, body))
    with open(policy, "w") as f:
        f.write("<plist><dict><key>AllowDeviceProfiles</key></dict>")
    sighup_and_wait(relay, relay_log, "reload refused")
    status, body = post_device_profile(pki, relay_port, "device-profile-3")
    if status != 200:
        fail("a broken policy replaced the running one: %d %s" % (status, body))


def plain_get(port, method, path):
    """A request to the monitoring port (plain HTTP, no certificate); returns (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    try:
        connection.request(method, path, body="{}" if method == "POST" else None)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def check_monitoring_port(pki, metrics_port, relay_port):
    """MetricsListen serves /healthz and /metrics without a certificate, and nothing else; the
    mutual-TLS port still refuses a client without a device certificate."""
    status, body = plain_get(metrics_port, "GET", "/healthz")
    if status != 200 or json.loads(body) != {"status": "ok"}:
        fail("monitoring /healthz: %d %s" % (status, body))
    status, body = plain_get(metrics_port, "GET", "/metrics")
    if status != 200 or 'cmdm_relay_requests_total{route="/v1/install",status="200"}' not in body:
        fail("monitoring /metrics: %d %s" % (status, body))
    for method, path in (("GET", "/v1/requests/1"), ("POST", "/v1/install"),
                         ("POST", "/v1/remove"), ("GET", "/")):
        status, body = plain_get(metrics_port, method, path)
        if status != 404:
            fail("monitoring port answered %s %s with %d %s" % (method, path, status, body))
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
    connection = http.client.HTTPSConnection("127.0.0.1", int(relay_port), context=context,
                                             timeout=30)
    try:
        connection.request("GET", "/healthz")
        answer = connection.getresponse()
        fail("the mutual-TLS port answered %d without a client certificate" % answer.status)
    except (ssl.SSLError, ConnectionError, http.client.HTTPException):
        pass
    finally:
        connection.close()


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
        policy = os.path.join(root, "policy.plist")
        write_plist(policy, {"AllowDeviceProfiles": False})
        write_plist(relay_config, {
            "Listen": "127.0.0.1:0",
            "ServerCertificate": os.path.join(pki, "server.pem"),
            "ServerKey": os.path.join(pki, "server.key"),
            "DeviceCA": os.path.join(pki, "ca.pem"),
            "DeviceCRL": os.path.join(pki, "crl.pem"),
            "BuildCA": os.path.join(pki, "build-ca.pem"),
            "StateDir": os.path.join(root, "relay-state"),
            "PolicyPath": policy,
            "MetricsListen": "127.0.0.1:0",
            "Vendor": {"Route": "direct", "Target": "nanomdm",
                       "ServerURL": "http://127.0.0.1:" + port, "NanoMDM": {"APIKey": key}},
        })
        published = run([args.cmdm, "relay", "publish", bundle, "--config", relay_config])
        if "published" not in published.stdout:
            fail("publish said: " + published.stdout)

        relay_log = open(os.path.join(root, "relay.log"), "w+")
        relay = subprocess.Popen([args.cmdm, "relay", "serve", "--config", relay_config],
                                 stderr=relay_log)
        relay_port = metrics_port = None
        for _ in range(200):
            relay_log.seek(0)
            for line in relay_log.read().splitlines():
                if "listening on 127.0.0.1:" in line:
                    relay_port = line.split("listening on 127.0.0.1:")[1].split()[0]
                if "metrics on 127.0.0.1:" in line:
                    metrics_port = line.split("metrics on 127.0.0.1:")[1].split()[0]
            if (relay_port and metrics_port) or relay.poll() is not None:
                break
            time.sleep(0.05)
        if not relay_port or not metrics_port:
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

        check_policy_reload(relay, relay_log, policy, pki, relay_port)
        check_monitoring_port(pki, metrics_port, relay_port)
        audit = run([args.cmdm, "relay", "audit", "--device", DEVICE, "--config", relay_config])
        if audit.stdout.count("forwarded") < 4:
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
