"""A test world for the integration tests and the front-end bench: the fake vendor
(cmdm-fake-mdm) and the device emulator (cmdm-fake-profiles) over a state directory, a cmdm
configuration pointing at both, and helpers to run cmdm, the front end (the small cmdm-profiles
executable as `profiles`, by a symbolic link, as libexec/cmdm/profiles is installed) and the
emulator directly.
"""
import os
import plistlib
import shutil
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testworld"))
from fake_device import make_device  # noqa: E402

DEVICE = "INTEGRATIONS-DEVICE-0001"


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def profile_xml(identifier, uuid, payloads, display_name=None):
    """A .mobileconfig with one payload per (identifier, type, uuid, dict of string keys)."""
    body = "".join(
        "<dict>%s<key>PayloadIdentifier</key><string>%s</string>"
        "<key>PayloadType</key><string>%s</string><key>PayloadUUID</key><string>%s</string>"
        "<key>PayloadVersion</key><integer>1</integer></dict>"
        % ("".join("<key>%s</key><string>%s</string>" % kv for kv in keys.items()), pid, ptype,
           puuid)
        for pid, ptype, puuid, keys in payloads)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
            "<key>PayloadContent</key><array>%s</array>"
            "<key>PayloadDisplayName</key><string>%s</string>"
            "<key>PayloadIdentifier</key><string>%s</string>"
            "<key>PayloadType</key><string>Configuration</string>"
            "<key>PayloadUUID</key><string>%s</string>"
            "<key>PayloadVersion</key><integer>1</integer></dict></plist>\n"
            % (body, display_name or identifier, identifier, uuid))


class World:
    def __init__(self, cmdm, fake_mdm, fake_profiles, vendor="workspaceone", delivery="now",
                 front_end=None):
        self.cmdm = os.path.abspath(cmdm)
        # The build tree's front end, beside cli/cmdm, unless named.
        self.front_end = os.path.abspath(front_end or os.path.join(
            os.path.dirname(self.cmdm), "..", "frontend", "cmdm-profiles"))
        if not os.access(self.front_end, os.X_OK):
            fail("no front end at %s" % self.front_end)
        self.fake_mdm = os.path.abspath(fake_mdm)
        self.fake_profiles = os.path.abspath(fake_profiles)
        self.vendor = vendor
        self.root = tempfile.mkdtemp(prefix="cmdm-integrations-")
        self.device_dir = os.path.join(self.root, "device")
        # The emulated Mac's `profiles`: the emulator linked in as device/bin/profiles.
        self.device_profiles = make_device(self.device_dir, self.fake_profiles)
        os.makedirs(os.path.join(self.root, "bin"))
        # The front end under the name callers run; it finds cmdm (for install and remove)
        # from its own real location, not from this link.
        self.profiles = os.path.join(self.root, "bin", "profiles")
        os.symlink(self.front_end, self.profiles)
        # cmdm itself run as `profiles` is the same front end, in one process.
        self.cmdm_as_profiles = os.path.join(self.root, "cmdm-bin", "profiles")
        os.makedirs(os.path.dirname(self.cmdm_as_profiles))
        os.symlink(self.cmdm, self.cmdm_as_profiles)
        self.server = subprocess.Popen(
            [self.fake_mdm, "--vendor", vendor, "--port", "0", "--delivery", delivery,
             "--device", "%s=%s" % (DEVICE, self.device_dir)],
            stdout=subprocess.PIPE, text=True)
        port = self.server.stdout.readline().strip()
        if not port.isdigit():
            fail("cmdm-fake-mdm printed %r, not a port" % port)
        self.base_url = "http://127.0.0.1:" + port
        self.config = self.write_config()
        self.env = dict(os.environ, CMDM_CONFIG=self.config)
        self.env.pop("CMDM_PROFILES_FRONT_END", None)

    def write_config(self):
        path = os.path.join(self.root, "config.plist")
        sections = {
            "workspaceone": ("WorkspaceONE", {"Username": "testworld", "Password": "testworld-password",
                                              "TenantCode": "testworld-tenant"}),
            "nanomdm": ("NanoMDM", {"APIKey": "testworld-api-key"}),
        }
        name, section = sections[self.vendor]
        plist = {"Route": "direct", "Target": self.vendor, "ServerURL": self.base_url, name: section,
                 "DeviceID": DEVICE, "Retries": {"MaxAttempts": 2, "BaseDelay": 0.01},
                 "LedgerPath": os.path.join(self.root, "ledger", "ledger.sqlite"),
                 "ProfilesPath": self.device_profiles}
        with open(path, "wb") as f:
            plistlib.dump(plist, f)
        os.chmod(path, 0o600)
        return path

    def write(self, name, text):
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run(self, argv, check_exit=None):
        proc = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=300)
        if check_exit is not None and proc.returncode != check_exit:
            fail("%s exited %d, not %d:\n%s%s" % (" ".join(argv), proc.returncode, check_exit,
                                                  proc.stdout, proc.stderr))
        return proc

    def front(self, *args, check_exit=None):
        """The front end as a caller runs it: the binary named `profiles`."""
        return self.run([self.profiles, *args], check_exit)

    def emulator(self, *args, check_exit=None):
        return self.run([self.device_profiles, *args], check_exit)

    def apply(self, *args, check_exit=None):
        return self.run([self.cmdm, "apply", "--poll-interval", "0.05", "--confirm-timeout", "10",
                         *args], check_exit)

    def device_listing(self):
        """What the emulator lists: identifier → entry (computer level)."""
        out = self.emulator("-P", "-o", "stdout-xml", check_exit=0).stdout
        return {e["ProfileIdentifier"]: e
                for e in plistlib.loads(out.encode()).get("_computerlevel", [])}

    def stats(self):
        with urllib.request.urlopen(self.base_url + "/_fake/stats", timeout=10) as r:
            import json
            return json.loads(r.read())

    def close(self):
        self.server.terminate()
        self.server.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def entries(listing_bytes, owner="_computerlevel"):
    return plistlib.loads(listing_bytes).get(owner, [])
