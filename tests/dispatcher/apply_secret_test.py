#!/usr/bin/env python3
"""`cmdm apply` never shows its MDM credentials: not on stdout or stderr, not in the ledger's
files, not on any command line while it runs.

Starts the fake NanoMDM (cmdm-fake-mdm) with a distinctive API key and runs apply (human and
JSON output, then --status) with it; then with a wrong key (the server answers 401); then with
the server stopped. Every run's stdout and stderr, every file in the ledger's directory, and
`ps -eo args` sampled while each apply runs must hold neither key, nor the Basic authorization
value made from it.

Then the same with the fake Workspace ONE and OAuth2 client credentials (with --verbose): the
client secret must show nowhere, and the bearer token the token service issued only in the
private token cache file beside the ledger.

usage: apply_secret_test.py --cmdm PATH --fake-mdm PATH --fake-profiles PATH
"""
import argparse
import base64
import os
import plistlib
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testworld"))
from fake_device import make_device  # noqa: E402

DEVICE = "SECRET-DEVICE-0001"
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>HomePage</key><string>https://intranet.example.com/{i}</string>
<key>PayloadIdentifier</key><string>com.example.applysecret.{i}.safari</string>
<key>PayloadType</key><string>com.apple.Safari</string>
<key>PayloadUUID</key><string>00000000-0000-4000-8000-{i:012d}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></array>
<key>PayloadIdentifier</key><string>com.example.applysecret.{i}</string>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadUUID</key><string>10000000-0000-4000-8000-{i:012d}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></plist>
"""


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def forms(secret):
    """The ways a key could show: itself, and the Basic authorization value made from it."""
    basic = base64.b64encode(("nanomdm:" + secret).encode()).decode()
    return [secret, basic, basic.rstrip("=")]


class Run:
    def __init__(self, args, root, device_dir, base_url, target="nanomdm"):
        self.args, self.root, self.device_dir, self.base_url = args, root, device_dir, base_url
        self.target = target
        self.seen = []  # (what, text) pairs that must not hold a secret
        self.ps_samples_with_apply = 0

    def write_config(self, key, base_url):
        path = os.path.join(self.root, "config.plist")
        plist = {"Route": "direct", "Target": self.target, "ServerURL": base_url,
                 "DeviceID": DEVICE,
                 "Retries": {"MaxAttempts": 2, "BaseDelay": 0.01},
                 "LedgerPath": os.path.join(self.root, "ledger", "ledger.sqlite"),
                 "ProfilesPath": make_device(self.device_dir, self.args.fake_profiles)}
        if self.target == "nanomdm":
            plist["NanoMDM"] = {"APIKey": key}
        else:
            plist["WorkspaceONE"] = {"ClientID": "testworld-client", "ClientSecret": key,
                                     "TokenURL": self.base_url + "/connect/token"}
        with open(path, "wb") as f:
            plistlib.dump(plist, f)
        os.chmod(path, 0o600)
        return path

    def cmdm(self, name, key, base_url, argv):
        """Runs cmdm, sampling the process table until it ends; returns its exit status."""
        env = dict(os.environ, CMDM_CONFIG=self.write_config(key, base_url))
        proc = subprocess.Popen([self.args.cmdm, *argv], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        while proc.poll() is None:
            ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
            if any(self.args.cmdm in line and " apply" in line for line in ps.splitlines()):
                self.ps_samples_with_apply += 1
            self.seen.append(("ps -eo args during " + name, ps))
            time.sleep(0.005)
        out, err = proc.communicate(timeout=120)
        self.seen.append((name + " stdout", out.decode(errors="replace")))
        self.seen.append((name + " stderr", err.decode(errors="replace")))
        print("%s: exit %d" % (name, proc.returncode))
        return proc.returncode, out.decode(errors="replace") + err.decode(errors="replace")

    def ledger_files(self):
        directory = os.path.join(self.root, "ledger")
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name), "rb") as f:
                self.seen.append(("ledger file " + name, f.read().decode("latin-1")))


def start_server(args, device_dir, key, vendor="nanomdm"):
    argv = [args.fake_mdm, "--vendor", vendor, "--port", "0", "--delivery", "30",
            "--device", "%s=%s" % (DEVICE, device_dir)]
    credential = "CMDM_FAKE_PASSWORD" if vendor == "nanomdm" else "CMDM_FAKE_CLIENT_SECRET"
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, **{credential: key}))
    port = server.stdout.readline().strip()
    if not port.isdigit():
        fail("cmdm-fake-mdm printed %r, not a port" % port)
    return server, "http://127.0.0.1:" + port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cmdm", required=True)
    parser.add_argument("--fake-mdm", required=True)
    parser.add_argument("--fake-profiles", required=True)
    args = parser.parse_args()
    args.fake_profiles = os.path.abspath(args.fake_profiles)  # ProfilesPath must be absolute
    key = "cmdm-secret-" + secrets.token_hex(12)
    wrong = "cmdm-wrong-" + secrets.token_hex(12)
    root = tempfile.mkdtemp(prefix="cmdm-apply-secret-")
    device_dir = os.path.join(root, "device")
    os.makedirs(device_dir)
    server = None
    try:
        sources = []
        for i in range(6):
            sources.append(os.path.join(root, "p%d.mobileconfig" % i))
            with open(sources[-1], "w") as f:
                f.write(PROFILE.format(i=i))
        out = os.path.join(root, "out")
        built = subprocess.run([args.cmdm, "build", *sources, "--target", "nanomdm", "-o", out],
                               capture_output=True, text=True)
        if built.returncode != 0:
            fail("cmdm build: " + built.stderr)
        server, url = start_server(args, device_dir, key)
        run = Run(args, root, device_dir, url)
        apply = ["apply", out, "--poll-interval", "0.02", "--confirm-timeout", "20"]

        code, stdout = run.cmdm("apply", key, url, apply)
        if code != 0 or "6 installed" not in stdout:
            fail("apply with the right key exited %d: %s" % (code, stdout))
        run.cmdm("apply --json", key, url, apply + ["--json"])
        run.cmdm("apply --status", key, url, ["apply", "--status", "--json"])
        # The build changes (one source more) so the failing runs have something to send.
        sources.append(os.path.join(root, "p6.mobileconfig"))
        with open(sources[-1], "w") as f:
            f.write(PROFILE.format(i=6))
        subprocess.run([args.cmdm, "build", *sources, "--target", "nanomdm", "-o", out],
                       check=True, capture_output=True)
        code, _ = run.cmdm("apply, wrong key (401)", wrong, url, apply)
        if code == 0:
            fail("apply with a wrong key exited 0")
        server.terminate()
        server.wait(timeout=30)
        server = None
        code, _ = run.cmdm("apply, server down", key, url, apply)
        if code == 0:
            fail("apply with the server down exited 0")
        run.ledger_files()

        if run.ps_samples_with_apply == 0:
            fail("no `ps -eo args` sample saw cmdm apply running")
        for what, text in run.seen:
            for secret in forms(key) + forms(wrong):
                if secret in text:
                    fail("%s holds the credential %s" % (what, secret))
        print("%d outputs, ledger files and process tables checked (%d samples saw apply)" %
              (len(run.seen), run.ps_samples_with_apply))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
    check_oauth(args)
    print("ok")


def check_oauth(args):
    """Workspace ONE OAuth2: neither the client secret nor the bearer token shows."""
    secret = "cmdm-oauth-secret-" + secrets.token_hex(12)
    wrong = "cmdm-oauth-wrong-" + secrets.token_hex(12)
    root = tempfile.mkdtemp(prefix="cmdm-apply-oauth-secret-")
    device_dir = os.path.join(root, "device")
    os.makedirs(device_dir)
    server = None
    try:
        sources = []
        for i in range(3):
            sources.append(os.path.join(root, "p%d.mobileconfig" % i))
            with open(sources[-1], "w") as f:
                f.write(PROFILE.format(i=i))
        out = os.path.join(root, "out")
        subprocess.run([args.cmdm, "build", *sources, "--target", "workspaceone", "-o", out],
                       check=True, capture_output=True)
        server, url = start_server(args, device_dir, secret, "workspaceone")
        run = Run(args, root, device_dir, url, "workspaceone")
        apply = ["apply", out, "--poll-interval", "0.02", "--confirm-timeout", "20", "--verbose"]
        code, stdout = run.cmdm("oauth apply", secret, url, apply)
        if code != 0 or "3 installed" not in stdout:
            fail("OAuth apply exited %d: %s" % (code, stdout))
        if "apply: POST " + url + "/connect/token -> the server answered 200 (" not in stdout:
            fail("--verbose printed no line for the token request: " + stdout)
        cache = os.path.join(root, "ledger", "ledger.sqlite.oauth-token")
        if os.stat(cache).st_mode & 0o777 != 0o600:
            fail("the token cache is not 0600")
        with open(cache) as f:
            token = __import__("json").load(f)["access_token"]
        sources.append(os.path.join(root, "p3.mobileconfig"))
        with open(sources[-1], "w") as f:
            f.write(PROFILE.format(i=3))
        subprocess.run([args.cmdm, "build", *sources, "--target", "workspaceone", "-o", out],
                       check=True, capture_output=True)
        os.unlink(cache)  # so the wrong secret is sent to the token service
        code, _ = run.cmdm("oauth apply, wrong client secret", wrong, url, apply)
        if code != 77:
            fail("OAuth apply with a wrong client secret exited %d, not 77" % code)
        run.ledger_files()
        for what, text in run.seen:
            for value in [secret, wrong] + ([token] if "oauth-token" not in what else []):
                if value in text:
                    fail("%s holds the credential %s" % (what, value))
        print("OAuth: %d outputs and files checked" % len(run.seen))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
