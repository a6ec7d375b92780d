#!/usr/bin/env python3
"""`cmdm apply` killed (SIGKILL) at many points never loses or duplicates a change.

Builds generated profiles for NanoMDM and starts the fake NanoMDM (cmdm-fake-mdm), which delivers
into an emulated device (cmdm-fake-profiles) after a small delay. Then, --kills times, starts
`cmdm apply` and SIGKILLs it after a random delay (seeded; the seed is printed and --seed replays
it) spread over a whole apply's duration, measured first on a second device. The build changes
between kills: every few rounds each source is edited (every part is updated), and halfway one
source is dropped and another added (a remove and an install). At the end one apply runs to
completion and:
  - it exits 0;
  - the device lists exactly the built parts (identifiers and PayloadUUIDs);
  - the ledger has no unfinished intent, records exactly the built parts, and passes SQLite's
    integrity check;
  - another apply sends no request;
  - the server never received any CommandUUID twice.

With --pending-update it instead checks one precise kill: apply is killed while the MDM holds
the request of an update that keeps the profile's PayloadUUID (the intent is still pending,
nothing was accepted); the next apply must still deliver the new content. (It once did not: the
pending intent was "reconciled" because the old profile already shows that identifier and UUID.
Now only a sent intent may be confirmed by the listing.) ctest: dispatcher.apply_kill_pending_update.

usage: apply_kill_test.py --cmdm PATH --fake-mdm PATH --fake-profiles PATH [--kills N] [--seed S]
                          [--profiles N] [--pending-update]
"""
import argparse
import json
import os
import plistlib
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testworld"))
from fake_device import make_device  # noqa: E402

DEVICE = "KILL-DEVICE-0001"
CALIBRATION_DEVICE = "KILL-DEVICE-CALIBRATE"
API_KEY = "kill-test-api-key"
DELIVERY_MS = 25
POLL_SECONDS = "0.02"

PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>PayloadContent</key><array><dict>
<key>HomePage</key><string>https://intranet.example.com/{tag}/{i}</string>
<key>PayloadIdentifier</key><string>com.example.applykill.{i:03d}.safari</string>
<key>PayloadType</key><string>com.apple.Safari</string>
<key>PayloadUUID</key><string>00000000-0000-4000-8000-{i:012d}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></array>
<key>PayloadDisplayName</key><string>Apply kill test {i}</string>
<key>PayloadIdentifier</key><string>com.example.applykill.{i:03d}</string>
<key>PayloadType</key><string>Configuration</string>
<key>PayloadUUID</key><string>10000000-0000-4000-8000-{i:012d}</string>
<key>PayloadVersion</key><integer>1</integer>
</dict></plist>
"""


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


class World:
    """Sources, the build, the fake NanoMDM and one configuration per device."""

    def __init__(self, args, root):
        self.args = args
        self.root = root
        self.src = os.path.join(root, "src")
        self.out = os.path.join(root, "out")
        self.devices = {d: os.path.join(root, "device-" + d) for d in (DEVICE, CALIBRATION_DEVICE)}
        self.server = None
        self.base_url = None

    def write_sources(self, indices, tag):
        shutil.rmtree(self.src, ignore_errors=True)
        os.makedirs(self.src)
        for i in indices:
            with open(os.path.join(self.src, "p%03d.mobileconfig" % i), "w") as f:
                f.write(PROFILE.format(tag=tag, i=i))

    def build(self):
        sources = sorted(os.path.join(self.src, n) for n in os.listdir(self.src))
        run = subprocess.run([self.args.cmdm, "build", *sources, "--target", "nanomdm", "-o",
                              self.out], capture_output=True, text=True)
        if run.returncode != 0:
            fail("cmdm build exited %d: %s" % (run.returncode, run.stderr))

    def built_parts(self):
        with open(os.path.join(self.out, "manifest.json")) as f:
            return {(p["identifier"], p["uuid"])
                    for s in json.load(f)["sources"] for p in s["parts"]}

    def start_server(self):
        argv = [self.args.fake_mdm, "--vendor", "nanomdm", "--port", "0",
                "--delivery", str(DELIVERY_MS)]
        # Each device's `profiles`: the emulator linked in as DIRECTORY/bin/profiles.
        self.device_profiles = {device: make_device(directory, self.args.fake_profiles)
                                for device, directory in self.devices.items()}
        for device, directory in self.devices.items():
            argv += ["--device", "%s=%s" % (device, directory)]
        env = dict(os.environ, CMDM_FAKE_PASSWORD=API_KEY)
        self.server = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env, text=True)
        port = self.server.stdout.readline().strip()
        if not port.isdigit():
            fail("cmdm-fake-mdm printed %r, not a port" % port)
        self.base_url = "http://127.0.0.1:" + port

    def stop_server(self):
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)

    def stats(self):
        with urllib.request.urlopen(self.base_url + "/_fake/stats", timeout=10) as r:
            return json.load(r)

    def config(self, device):
        path = os.path.join(self.root, "config-%s.plist" % device)
        if not os.path.exists(path):
            plist = {
                "Route": "direct", "Target": "nanomdm", "ServerURL": self.base_url,
                "NanoMDM": {"APIKey": API_KEY}, "DeviceID": device,
                "Retries": {"MaxAttempts": 2, "BaseDelay": 0.01},
                "LedgerPath": self.ledger(device), "ProfilesPath": self.device_profiles[device],
            }
            with open(path, "wb") as f:
                plistlib.dump(plist, f)
            os.chmod(path, 0o600)
        return path

    def ledger(self, device):
        return os.path.join(self.root, "ledger-" + device, "ledger.sqlite")

    def env(self, device):
        return dict(os.environ, CMDM_CONFIG=self.config(device))

    def apply_argv(self, *extra):
        return [self.args.cmdm, "apply", self.out, "--poll-interval", POLL_SECONDS,
                "--confirm-timeout", "30", *extra]

    def apply(self, device, *extra):
        return subprocess.run(self.apply_argv(*extra), capture_output=True, text=True,
                              env=self.env(device), timeout=300)

    def status(self, device):
        run = subprocess.run([self.args.cmdm, "apply", "--status", "--json"], capture_output=True,
                             text=True, env=self.env(device), timeout=60)
        if run.returncode != 0:
            fail("cmdm apply --status exited %d: %s" % (run.returncode, run.stderr))
        return json.loads(run.stdout)

    def listing(self, device):
        run = subprocess.run([self.device_profiles[device], "show", "-type", "configuration", "-output",
                              "stdout-xml"], capture_output=True, env=self.env(device), timeout=60)
        if run.returncode != 0:
            fail("cmdm-fake-profiles exited %d: %s" % (run.returncode, run.stderr))
        return plistlib.loads(run.stdout)


def calibrate(world):
    """Seconds one whole apply of the build takes (on the calibration device)."""
    start = time.monotonic()
    run = world.apply(CALIBRATION_DEVICE)
    elapsed = time.monotonic() - start
    if run.returncode != 0:
        fail("calibration apply exited %d:\n%s%s" % (run.returncode, run.stdout, run.stderr))
    return elapsed


def kill_rounds(world, rng, profiles, kills):
    """Kills applies until `kills` were killed while running; returns the attempts made."""
    tag, indices = 0, list(range(profiles))
    duration = calibrate(world)
    print("a whole apply of %d parts takes %.2f s" % (profiles, duration))
    killed = attempts = 0
    while killed < kills:
        if attempts > 3 * kills:
            fail("only %d of %d applies were still running when killed" % (killed, attempts))
        if attempts > 0:
            # Every part's content changes, so each apply has a whole run's work to be killed in
            # (the first one installs everything); halfway one part is removed, another added.
            tag += 1
            if attempts == kills // 2:
                indices = indices[1:] + [profiles]
            world.write_sources(indices, "v%d" % tag)
            world.build()
        delay = rng.uniform(0.0, duration)
        proc = subprocess.Popen(world.apply_argv(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=world.env(DEVICE))
        time.sleep(delay)
        running = proc.poll() is None
        if running:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        attempts += 1
        if not running and proc.returncode != 0:
            fail("an apply that was not killed exited %d" % proc.returncode)
        print("round %2d: delay %.3f s: %s" % (attempts, delay,
                                                "killed" if running else "finished first"))
    return attempts, tag


def check_final(world, tag):
    run = world.apply(DEVICE)
    if run.returncode != 0:
        fail("the completing apply exited %d:\n%s%s" % (run.returncode, run.stdout, run.stderr))
    print(run.stdout.strip().splitlines()[-1])
    # Commands an earlier run sent and then abandoned may still be on their way to the device.
    time.sleep(3 * DELIVERY_MS / 1000 + 0.2)
    built = world.built_parts()
    listing = world.listing(DEVICE)
    listed = {(p["ProfileIdentifier"], p["ProfileUUID"]) for p in listing.get("_computerlevel", [])}
    if listed != built:
        fail("the device lists %s, the build has %s" % (sorted(listed ^ built), sorted(built)))
    # Content too: a late delivery of an abandoned older version must not have replaced the last.
    for profile in listing["_computerlevel"]:
        for item in profile["ProfileItems"]:
            home = item["PayloadContent"]["HomePage"]
            if "/v%d/" % tag not in home:
                fail("%s holds %s, not version v%d" % (profile["ProfileIdentifier"], home, tag))
    status = world.status(DEVICE)
    if status["unfinished"]:
        fail("the ledger has unfinished intents: %s" % status["unfinished"])
    recorded = {(p["identifier"], p["uuid"]) for p in status["installed"]}
    if recorded != built:
        fail("the ledger records %s, the build has %s" % (sorted(recorded ^ built), sorted(built)))
    db = sqlite3.connect("file:%s?mode=ro" % world.ledger(DEVICE), uri=True)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    if integrity != "ok":
        fail("the ledger fails SQLite's integrity check: " + integrity)
    before = world.stats()["requests"]
    again = world.apply(DEVICE)
    if again.returncode != 0 or world.stats()["requests"] != before:
        fail("the apply after completion exited %d after %d requests:\n%s" %
             (again.returncode, world.stats()["requests"] - before, again.stdout))
    stats = world.stats()
    repeated = {u: n for u, n in stats["by_command_uuid"].items() if n != 1}
    if repeated:
        fail("the server received these CommandUUIDs more than once: %s" % repeated)
    print("%d requests, %d CommandUUIDs, each received once; status %s" %
          (stats["requests"], len(stats["by_command_uuid"]), stats["by_status"]))


def pending_update(world):
    """Kills apply while the update's request is held; the next apply must deliver it."""
    run = world.apply(DEVICE)
    if run.returncode != 0:
        fail("the first apply exited %d: %s" % (run.returncode, run.stderr))
    world.write_sources([0], "v1")
    world.build()
    request = urllib.request.Request(world.base_url + "/_fake/faults", data=b"timeout:1:ms=20000")
    urllib.request.urlopen(request, timeout=10).close()
    proc = subprocess.Popen(world.apply_argv(), stdout=subprocess.DEVNULL, env=world.env(DEVICE))
    time.sleep(1.5)  # the update's request is now held by the server
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    print("after the kill: %s" % world.status(DEVICE)["unfinished"])
    run = world.apply(DEVICE)
    print(run.stdout)
    time.sleep(3 * DELIVERY_MS / 1000 + 0.2)
    homes = [item["PayloadContent"]["HomePage"]
             for p in world.listing(DEVICE)["_computerlevel"] for item in p["ProfileItems"]]
    if run.returncode != 0 or homes != ["https://intranet.example.com/v1/0"]:
        fail("after a kill while the update was pending, apply exited %d and the device holds %s"
             % (run.returncode, homes))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cmdm", required=True)
    parser.add_argument("--fake-mdm", required=True)
    parser.add_argument("--fake-profiles", required=True)
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--profiles", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--pending-update", action="store_true")
    args = parser.parse_args()
    args.fake_profiles = os.path.abspath(args.fake_profiles)  # ProfilesPath must be absolute
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print("seed %d (replay with --seed %d)" % (seed, seed))
    rng = random.Random(seed)
    root = tempfile.mkdtemp(prefix="cmdm-apply-kill-")
    world = World(args, root)
    try:
        world.write_sources(range(1 if args.pending_update else args.profiles), "v0")
        world.build()
        world.start_server()
        if args.pending_update:
            pending_update(world)
            print("ok")
            return
        attempts, tag = kill_rounds(world, rng, args.profiles, args.kills)
        print("%d applies killed in %d attempts" % (args.kills, attempts))
        check_final(world, tag)
    finally:
        world.stop_server()
        shutil.rmtree(root, ignore_errors=True)
    print("ok (seed %d)" % seed)


if __name__ == "__main__":
    main()
