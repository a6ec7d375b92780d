#!/usr/bin/env python3
"""The `profiles` front end end to end, driven with the argv sequences each caller runs and
checked the way that caller checks (docs/integrations.md), against the fake Workspace ONE
(2,000-character commands, so a large profile is split) and the device emulator:

- Chef (osx_profile): `-P -o stdout-xml`, `-I -F path`, `-R -p id`; installed means an entry
  whose ProfileIdentifier is the file's and whose ProfileUUID equals its PayloadUUID.
- Munki (profiles.py): `-C -o DIR/profiles`, then reading DIR/profiles.plist; `-IF path`;
  `-Rp id`; installed means listed, and the ProfileInstallDate read right after install is the
  one read later, also after the profile is updated.
- Puppet: `-C -o stdout-xml`; `status -type enrollment` (the real tool's answer, unchanged).
- A CMS-signed file installs and is left unchanged; one the MDM cannot take gets Apple's words.
- A split profile lists as one; a removed one is gone; a profile cmdm did not install is
  listed as it is, never touched, and its removal goes to the real tool.

usage: profiles_callers_test.py --cmdm PATH --fake-mdm PATH --fake-profiles PATH --front-end PATH
"""
import argparse
import hashlib
import os
import plistlib
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import World, entries, fail, profile_xml  # noqa: E402

CHEF_UUID = "C0FFEE00-1111-4222-8333-444455556666"
MUNKI_UUID = "0DDBA11A-1111-4222-8333-444455556666"
BIG_UUID = "B16B00B5-1111-4222-8333-444455556666"
SIGNED_UUID = "5165ED00-1111-4222-8333-444455556666"


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def chef_installed(world, identifier, uuid):
    """Chef's check: the listing (-P -o stdout-xml) has the identifier with the file's UUID."""
    out = world.front("-P", "-o", "stdout-xml", check_exit=0).stdout.encode()
    return any(e.get("ProfileIdentifier") == identifier and e.get("ProfileUUID") == uuid
               for owner in plistlib.loads(out).values() for e in owner)


def munki_listing(world, directory):
    """Munki's listing: `-C -o DIR/profiles`, then DIR/profiles.plist (the tool adds .plist)."""
    out = os.path.join(directory, "profiles")
    world.front("-C", "-o", out, check_exit=0)
    if os.path.exists(out):
        fail("-o %s wrote the file without .plist" % out)
    with open(out + ".plist", "rb") as f:
        listing = plistlib.load(f)
    os.unlink(out + ".plist")
    return {e["ProfileIdentifier"]: e for e in listing.get("_computerlevel", [])}


def check_types(listing_bytes):
    for owner in plistlib.loads(listing_bytes).values():
        for e in owner:
            if "ProfileIdentifier" not in e:
                fail("an entry without ProfileIdentifier: %r" % e)
            for key in ("ProfileInstallDate", "ProfileRemovalDisallowed"):
                if key in e and not isinstance(e[key], str):
                    fail("%s is %s, not a string" % (key, type(e[key]).__name__))


def chef(world):
    path = world.write("chef/wifi.mobileconfig", profile_xml(
        "com.example.chef.wifi", CHEF_UUID,
        [("com.example.chef.wifi.w", "com.apple.wifi.managed", "C0FFEE00-1111-4222-8333-000000000001",
          {"SSID_STR": "Corp"})]))
    before = sha(path)
    if chef_installed(world, "com.example.chef.wifi", CHEF_UUID):
        fail("chef: installed before -I")
    world.front("-I", "-F", path, check_exit=0)
    if sha(path) != before:
        fail("chef: -I -F changed the caller's file")
    if not chef_installed(world, "com.example.chef.wifi", CHEF_UUID):
        fail("chef: -P -o stdout-xml does not list the file's identifier and PayloadUUID")
    check_types(world.front("-P", "-o", "stdout-xml", check_exit=0).stdout.encode())
    world.front("-R", "-p", "com.example.chef.wifi", check_exit=0)
    if chef_installed(world, "com.example.chef.wifi", CHEF_UUID):
        fail("chef: still listed after -R -p")
    if "com.example.chef.wifi" in world.device_listing():
        fail("chef: the device still has the profile")
    print("chef: -P -o stdout-xml, -I -F, -R -p: ok")


def munki(world):
    directory = os.path.join(world.root, "munki")
    os.makedirs(directory)
    payload = ("com.example.munki.dock.p", "com.apple.dock", "0DDBA11A-1111-4222-8333-000000000001",
               {"orientation": "left"})
    path = world.write("munki/dock.mobileconfig",
                       profile_xml("com.example.munki.dock", MUNKI_UUID, [payload]))
    if "com.example.munki.dock" in munki_listing(world, directory):
        fail("munki: listed before -IF")
    world.front("-IF", path, check_exit=0)
    listed = munki_listing(world, directory)
    if "com.example.munki.dock" not in listed:
        fail("munki: not listed after -IF")
    date = listed["com.example.munki.dock"]["ProfileInstallDate"]
    time.sleep(1.1)
    if munki_listing(world, directory)["com.example.munki.dock"]["ProfileInstallDate"] != date:
        fail("munki: ProfileInstallDate changed between two listings")
    # An update (same identifier and UUID, new content) reinstalls the part on the device.
    world.write("munki/dock.mobileconfig", profile_xml(
        "com.example.munki.dock", MUNKI_UUID, [payload[:3] + ({"orientation": "right"},)]))
    world.front("-IF", path, check_exit=0)
    if munki_listing(world, directory)["com.example.munki.dock"]["ProfileInstallDate"] != date:
        fail("munki: ProfileInstallDate changed after an update")
    world.front("-Rp", "com.example.munki.dock", check_exit=0)
    if "com.example.munki.dock" in munki_listing(world, directory):
        fail("munki: still listed after -Rp")
    print("munki: -C -o DIR/profiles, -IF, -Rp, stable ProfileInstallDate: ok")


def puppet(world):
    out = world.front("-C", "-o", "stdout-xml", check_exit=0).stdout.encode()
    check_types(out)
    if "com.example.foreign" not in {e["ProfileIdentifier"] for e in entries(out)}:
        fail("puppet: -C -o stdout-xml lacks the foreign profile")
    front = world.front("status", "-type", "enrollment")
    real = world.emulator("status", "-type", "enrollment")
    if (front.returncode, front.stdout, front.stderr) != (real.returncode, real.stdout, real.stderr):
        fail("puppet: status -type enrollment is not the real tool's answer: %r vs %r"
             % ((front.returncode, front.stdout, front.stderr),
                (real.returncode, real.stdout, real.stderr)))
    print("puppet: -C -o stdout-xml, status -type enrollment (passed through): ok")


def split(world):
    payloads = [("com.example.big.p%d" % i, "com.apple.Safari",
                 "B16B00B5-1111-4222-8333-%012d" % i, {"HomePage": "https://example.com/" + "x" * 300})
                for i in range(4)]
    path = world.write("split/big.mobileconfig",
                       profile_xml("com.example.big", BIG_UUID, payloads, "Big"))
    world.front("install", "-path", path, check_exit=0)
    parts = [i for i in world.device_listing() if i.startswith("com.example.big")]
    if len(parts) < 2:
        fail("split: the profile was not split on the device (%r)" % parts)
    listed = entries(world.front("show", "-output", "stdout-xml", check_exit=0).stdout.encode())
    mine = [e for e in listed if e["ProfileIdentifier"].startswith("com.example.big")]
    if [(e["ProfileIdentifier"], e["ProfileUUID"], e["ProfileDisplayName"]) for e in mine] != \
            [("com.example.big", BIG_UUID, "Big")]:
        fail("split: listed as %r, not as the one profile" % [e["ProfileIdentifier"] for e in mine])
    if len(mine[0]["ProfileItems"]) != 4:
        fail("split: the merged entry has %d payloads, not 4" % len(mine[0]["ProfileItems"]))
    text = world.front("list", check_exit=0).stdout
    if "profileIdentifier: com.example.big\n" not in text or ".part-" in text:
        fail("split: the text listing shows the parts:\n" + text)
    # cmdm itself run as `profiles` answers the same listing as the small front end.
    small = world.front("-P", "-o", "stdout-xml", check_exit=0).stdout
    whole = world.run([world.cmdm_as_profiles, "-P", "-o", "stdout-xml"], check_exit=0).stdout
    if small != whole:
        fail("split: cmdm as `profiles` lists differently from the front end")
    world.front("remove", "-identifier", "com.example.big", check_exit=0)
    if [i for i in world.device_listing() if i.startswith("com.example.big")]:
        fail("split: parts left on the device after remove")
    print("split: %d parts listed as one, removed together: ok" % len(parts))


def signed(world):
    """A CMS-signed file (as Chef and Munki are given them): read as it is, never changed."""
    directory = os.path.join(world.root, "signed")
    os.makedirs(directory)
    key, cert = os.path.join(directory, "k.pem"), os.path.join(directory, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=integrations signer"], check=True,
                   capture_output=True)
    plain = world.write("signed/p.mobileconfig", profile_xml(
        "com.example.signed", SIGNED_UUID,
        [("com.example.signed.p", "com.apple.dock", "5165ED00-1111-4222-8333-000000000001",
          {"orientation": "left"})]))
    path = os.path.join(directory, "s.mobileconfig")
    world.run([world.cmdm, "sign", plain, "--key", key, "--cert", cert, "-o", path], check_exit=0)
    before = sha(path)
    world.front("-I", "-F", path, check_exit=0)
    if sha(path) != before:
        fail("signed: -I -F changed the caller's file")
    if not chef_installed(world, "com.example.signed", SIGNED_UUID):
        fail("signed: not listed with its PayloadUUID")
    world.front("-R", "-p", "com.example.signed", check_exit=0)
    print("signed: installed from a CMS-signed file, left unchanged, removed: ok")


def too_large(world):
    path = world.write("big/one.mobileconfig", profile_xml(
        "com.example.huge", "0E0E0E0E-1111-4222-8333-444455556666",
        [("com.example.huge.p", "com.apple.Safari", "0E0E0E0E-1111-4222-8333-000000000001",
          {"HomePage": "https://example.com/" + "y" * 3000})]))
    proc = world.front("-I", "-F", path)
    if proc.returncode == 0 or "profiles tool no longer supports installs" not in proc.stderr:
        fail("too large: exit %d, stderr %r" % (proc.returncode, proc.stderr))
    print("too large for the MDM: Apple's message, exit %d: ok" % proc.returncode)


def foreign(world):
    """A profile installed locally (not by cmdm) before any of the above."""
    path = world.write("foreign/f.mobileconfig", profile_xml(
        "com.example.foreign", "F0F0F0F0-1111-4222-8333-444455556666",
        [("com.example.foreign.p", "com.apple.dock", "F0F0F0F0-1111-4222-8333-000000000001",
          {"tilesize": "30"})]))
    with open(os.path.join(world.device_dir, "os_version"), "w") as f:
        f.write("10.15.7\n")
    world.emulator("install", "-path", path, check_exit=0)
    os.unlink(os.path.join(world.device_dir, "os_version"))  # back to macOS 14.5
    return world.device_listing()["com.example.foreign"]


def hand_over(world):
    """The small front end hands --help, install and remove to the cmdm it finds from its own
    location; a copy with no cmdm beside it says so (exit 69) rather than run another one."""
    if "cmdm profiles" not in world.front("--help", check_exit=0).stdout:
        fail("hand over: --help did not come from cmdm profiles")
    lone = os.path.join(world.root, "lone", "libexec", "cmdm", "profiles")
    os.makedirs(os.path.dirname(lone))
    shutil.copy(world.front_end, lone)
    proc = world.run([lone, "-I", "-F", os.path.join(world.root, "missing.mobileconfig")])
    if proc.returncode != 69 or "cmdm is not installed beside" not in proc.stderr:
        fail("hand over: a front end without cmdm gave exit %d, %r"
             % (proc.returncode, proc.stderr))
    listed = world.run([lone, "-C", "-o", "stdout-xml"], check_exit=0).stdout
    if listed != world.front("-C", "-o", "stdout-xml", check_exit=0).stdout:
        fail("hand over: the lone copy does not list as the front end does")
    print("hand over: --help from cmdm, no cmdm beside is exit 69, listing needs none: ok")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cmdm", required=True)
    parser.add_argument("--fake-mdm", required=True)
    parser.add_argument("--fake-profiles", required=True)
    parser.add_argument("--front-end", required=True, help="the small profiles executable")
    args = parser.parse_args()
    world = World(args.cmdm, args.fake_mdm, args.fake_profiles,
                  front_end=args.front_end)
    try:
        original = foreign(world)
        chef(world)
        munki(world)
        puppet(world)
        split(world)
        signed(world)
        too_large(world)
        hand_over(world)
        # Removing a profile cmdm did not install is the real tool's business (refused on 11+).
        front = world.front("-R", "-p", "com.example.foreign")
        real = world.emulator("-R", "-p", "com.example.foreign")
        if (front.returncode, front.stderr) != (real.returncode, real.stderr):
            fail("foreign remove was not passed to the real tool")
        if world.device_listing().get("com.example.foreign") != original:
            fail("the foreign profile was changed")
        print("foreign profile untouched, its removal passed through: ok")
    finally:
        world.close()
    print("ok")


if __name__ == "__main__":
    main()
