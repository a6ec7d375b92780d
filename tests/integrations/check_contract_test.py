#!/usr/bin/env python3
"""The `cmdm apply --check` contract and `--prefix`, as configuration-management callers use
them (docs/integrations.md), with sources compiled on the device, against the fake NanoMDM and
the device emulator:

- --check sends nothing (counted at the server) and exits 1 listing what is pending, 0 when
  the device matches; apply then check again gives 0 (the Chef/Puppet idempotence loop).
- A changed source is pending again; an update goes through.
- --prefix refuses a source outside it (65) and removes stale parts only under it; --prefix
  alone removes everything under it and nothing else; --profile manages one profile.
- Templates see the facts given with --facts where the device's tools are absent.

usage: check_contract_test.py --cmdm PATH --fake-mdm PATH --fake-profiles PATH --front-end PATH
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import World, fail, profile_xml  # noqa: E402


def source(world, directory, identifier, value):
    n = sum(map(ord, identifier)) % 10**12
    return world.write("%s/%s.mobileconfig" % (directory, identifier), profile_xml(
        identifier, "5EC0DE00-1111-4222-8333-%012d" % n,
        [(identifier + ".p", "com.apple.dock", "5EC0DE00-1111-4222-8333-%012d" % (n + 1),
          {"orientation": value})]))


def sent(world):
    return world.stats()["requests"]


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
        chef_dir = os.path.join(world.root, "chef")
        source(world, "chef", "com.example.chef.a", "left")
        source(world, "chef", "com.example.chef.b", "bottom")
        source(world, "munki", "com.example.munki.c", "right")

        check = world.apply("--check", "--prefix", "com.example.chef", chef_dir, check_exit=1)
        for line in ("pending  install  com.example.chef.a", "pending  install  com.example.chef.b"):
            if line not in check.stdout:
                fail("--check does not list %r:\n%s" % (line, check.stdout))
        if sent(world) != 0:
            fail("--check sent a request")
        world.apply("--prefix", "com.example.chef", chef_dir, check_exit=0)
        world.apply("--profile", "com.example.munki.c",
                    os.path.join(world.root, "munki/com.example.munki.c.mobileconfig"), check_exit=0)
        after_apply = sent(world)
        matches = world.apply("--check", "--prefix", "com.example.chef", chef_dir, check_exit=0)
        if "the device matches" not in matches.stdout:
            fail("--check after apply: " + matches.stdout)
        world.apply("--check", "--json", "--prefix", "com.example.chef", chef_dir, check_exit=0)
        if sent(world) != after_apply:
            fail("--check after apply sent a request")
        print("--check: 1 and the pending list before, 0 after apply, nothing sent: ok")

        source(world, "chef", "com.example.chef.a", "right")
        pending = world.apply("--check", "--json", "--prefix", "com.example.chef", chef_dir,
                              check_exit=1)
        if json.loads(pending.stdout)["pending"] != 1:
            fail("a changed source: " + pending.stdout)
        world.apply("--prefix", "com.example.chef", chef_dir, check_exit=0)
        world.apply("--check", "--prefix", "com.example.chef", chef_dir, check_exit=0)
        print("--check: a changed source is pending, then applied: ok")

        outside = world.apply("--prefix", "com.example.chef",
                              os.path.join(world.root, "munki"), check_exit=65)
        if "com.example.munki.c is outside --prefix com.example.chef" not in outside.stderr:
            fail("--prefix outside: " + outside.stderr)

        os.unlink(os.path.join(chef_dir, "com.example.chef.b.mobileconfig"))
        world.apply("--prefix", "com.example.chef", chef_dir, check_exit=0)
        listed = world.device_listing()
        if "com.example.chef.b" in listed or "com.example.munki.c" not in listed:
            fail("--prefix: stale removal went wrong: %r" % sorted(listed))
        world.apply("--prefix", "com.example.chef", check_exit=0)
        listed = world.device_listing()
        if any(i.startswith("com.example.chef") for i in listed) or "com.example.munki.c" not in listed:
            fail("--prefix alone: %r" % sorted(listed))
        print("--prefix: refuses outside, removes stale parts only under it: ok")

        world.write("facts.json", json.dumps({"os_version": "14.5", "serial_number": "C02TEST"}))
        world.write("templated/com.example.t.json", json.dumps({
            "PayloadIdentifier": "com.example.t", "PayloadType": "Configuration",
            "PayloadUUID": "7E3B1A7E-1111-4222-8333-444455556666", "PayloadVersion": 1,
            "PayloadContent": [{"PayloadType": "com.apple.dock", "PayloadVersion": 1,
                                "PayloadIdentifier": "com.example.t.p",
                                "PayloadUUID": "7E3B1A7E-1111-4222-8333-000000000001",
                                "orientation": "{{ facts.serial_number }}"}]}))
        world.apply("--profile", "com.example.t", "--facts", os.path.join(world.root, "facts.json"),
                    os.path.join(world.root, "templated/com.example.t.json"), check_exit=0)
        items = world.device_listing()["com.example.t"]["ProfileItems"]
        if items[0]["PayloadContent"].get("orientation") != "C02TEST":
            fail("templated source: %r" % items)
        world.apply("--profile", "com.example.t", check_exit=0)
        if "com.example.t" in world.device_listing():
            fail("--profile alone did not remove the profile")
        print("sources compiled against facts; --profile alone removes: ok")
    finally:
        world.close()
    print("ok")


if __name__ == "__main__":
    main()
