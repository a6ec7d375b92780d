#!/usr/bin/env python3
"""The Munki nopkg item (contrib/munki): a pkginfo made by make_pkginfo.py, its scripts taken
out of the pkginfo and run as Munki runs them (as files, with CMDM pointing at the cmdm under
test) against the fake NanoMDM and the device emulator:

installcheck 0 (needs install, Munki's inverted convention) → postinstall 0 → the profile is
listed → installcheck 1 (installed) → a new version of the profile → installcheck 0 →
postinstall → installcheck 1 → uninstall 0 → gone → installcheck 0. A profile not of this item
is untouched throughout; a device that cannot be listed gives installcheck 1 (no install).

usage: munki_test.py --cmdm PATH --fake-mdm PATH --fake-profiles PATH --front-end PATH
"""
import argparse
import os
import plistlib
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import World, fail, profile_xml  # noqa: E402

CONTRIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib", "munki")


def profile(world, value):
    return world.write("item/com.example.munki.finder.mobileconfig", profile_xml(
        "com.example.munki.finder", "F1DE0000-1111-4222-8333-444455556666",
        [("com.example.munki.finder.p", "com.apple.finder", "F1DE0000-1111-4222-8333-000000000001",
          {"ShowPathbar": value})]))


def pkginfo(world, path, version):
    out = subprocess.run([sys.executable, os.path.join(CONTRIB, "make_pkginfo.py"), path,
                          "com.example.munki.finder", "FinderSettings", version],
                         capture_output=True, check=True).stdout
    info = plistlib.loads(out)
    if info["installer_type"] != "nopkg" or info["uninstall_method"] != "uninstall_script":
        fail("pkginfo: %r" % info)
    return info


def script(world, info, key):
    """Munki writes the script to a file and runs it."""
    path = os.path.join(world.root, key)
    with open(path, "w") as f:
        f.write(info[key])
    os.chmod(path, 0o700)
    env = dict(world.env, CMDM=world.cmdm)
    return subprocess.run([path], capture_output=True, text=True, env=env, timeout=300).returncode


def expect(world, info, key, code, what):
    got = script(world, info, key)
    if got != code:
        fail("%s: %s exited %d, not %d" % (what, key, got, code))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cmdm", required=True)
    parser.add_argument("--fake-mdm", required=True)
    parser.add_argument("--fake-profiles", required=True)
    parser.add_argument("--front-end", required=True, help="the small profiles executable")
    args = parser.parse_args()
    world = World(args.cmdm, args.fake_mdm, args.fake_profiles, vendor="nanomdm",
                  front_end=args.front_end)
    try:
        other = world.write("other/com.example.other.mobileconfig", profile_xml(
            "com.example.other", "07E40000-1111-4222-8333-444455556666",
            [("com.example.other.p", "com.apple.dock", "07E40000-1111-4222-8333-000000000001",
              {"orientation": "left"})]))
        world.apply(other, check_exit=0)

        v1 = pkginfo(world, profile(world, "true"), "1.0")
        expect(world, v1, "installcheck_script", 0, "before install")
        expect(world, v1, "postinstall_script", 0, "install")
        if "com.example.munki.finder" not in world.device_listing():
            fail("not listed after postinstall")
        expect(world, v1, "installcheck_script", 1, "after install")
        print("installcheck 0 → postinstall → listed → installcheck 1: ok")

        v2 = pkginfo(world, profile(world, "false"), "2.0")
        expect(world, v2, "installcheck_script", 0, "a new version")
        expect(world, v2, "postinstall_script", 0, "update")
        expect(world, v2, "installcheck_script", 1, "after update")
        items = world.device_listing()["com.example.munki.finder"]["ProfileItems"]
        if items[0]["PayloadContent"]["ShowPathbar"] != "false":
            fail("the update did not reach the device")
        print("a new version: installcheck 0 → postinstall → installcheck 1: ok")

        expect(world, v2, "uninstall_script", 0, "uninstall")
        listed = world.device_listing()
        if "com.example.munki.finder" in listed:
            fail("still listed after uninstall")
        if "com.example.other" not in listed:
            fail("uninstall removed another profile")
        expect(world, v2, "installcheck_script", 0, "after uninstall")
        print("uninstall: gone, the other profile untouched, installcheck 0: ok")

        with open(world.config, "rb") as f:
            config = plistlib.load(f)
        config["ProfilesPath"] = os.path.join(world.root, "no-such-profiles-tool")
        broken = os.path.join(world.root, "broken-config.plist")
        with open(broken, "wb") as f:
            plistlib.dump(config, f)
        os.chmod(broken, 0o600)
        world.env["CMDM_CONFIG"] = broken
        expect(world, v2, "installcheck_script", 1, "device cannot be listed")
        print("installcheck with a device that cannot be listed: 1 (no install): ok")
    finally:
        world.close()
    print("ok")


if __name__ == "__main__":
    main()
