#!/usr/bin/env python3
"""Listing through the `profiles` front end against calling the device emulator directly: the
price a caller pays for the merged listing (the front end runs the same emulator, then reads
the ledger, merges split parts and writes the property list). Prints both medians and the
ratio (target: at most 1.2). The front end is the small executable as installed
(frontend/cmdm-profiles run as `profiles`); cmdm itself run as `profiles`, and the start-ups of
both, are timed alongside for comparison.

The device holds PROFILES profiles installed through cmdm (every fifth one large enough for
Workspace ONE to split into parts). Each round runs both commands,
in alternating order, as a caller does: a new process each time.

usage: bench/profiles_frontend.py [--build DIR] [--profiles N] [--rounds N]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integrations"))
from world import World, profile_xml  # noqa: E402


def populate(world, count):
    directory = os.path.join(world.root, "sources")
    for i in range(count):
        size = 300 if i % 5 == 0 else 20
        payloads = [("com.example.bench.%d.p%d" % (i, j), "com.apple.Safari",
                     "BE7C0000-1111-4222-%04d-%012d" % (j, i), {"HomePage": "h" * size})
                    for j in range(4 if i % 5 == 0 else 1)]
        world.write("sources/com.example.bench.%d.mobileconfig" % i, profile_xml(
            "com.example.bench.%d" % i, "BE7C0000-1111-4222-8333-%012d" % i, payloads))
    world.apply("--prefix", "com.example.bench", directory, check_exit=0)


def timed(world, argv, env=None):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env or world.env, check=env is None)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--profiles", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    world = World(os.path.join(args.build, "cli", "cmdm"),
                  os.path.join(args.build, "testworld", "cmdm-fake-mdm"),
                  os.path.join(args.build, "testworld", "cmdm-fake-profiles"),
                  front_end=os.path.join(args.build, "frontend", "cmdm-profiles"))
    try:
        populate(world, args.profiles)
        front = [world.profiles, "-P", "-o", "stdout-xml"]
        direct = [world.device_profiles, "-P", "-o", "stdout-xml"]
        parts = len(world.device_listing())
        for argv in (front, direct):  # warm the page cache
            timed(world, argv)
        whole = [world.cmdm_as_profiles, "-P", "-o", "stdout-xml"]
        # Start-ups, the floor of each front end's cost before any work: cmdm loading itself and
        # its shared libraries; the small front end finding no configuration (exit 74 or 65).
        startup = [world.cmdm, "--version"]
        no_config = dict(world.env, CMDM_CONFIG=os.path.join(world.root, "no-such-config.plist"))
        runs = [(front, None, []), (direct, None, []), (whole, None, []), (startup, None, []),
                ([world.profiles, "-P"], no_config, [])]
        for i in range(args.rounds):
            for argv, env, into in (runs if i % 2 == 0 else runs[::-1]):
                into.append(timed(world, argv, env))
        fa, fb, fw, fc, fs = [statistics.median(into) * 1000 for _, _, into in runs]
        print("device: %d profiles from cmdm as %d parts, %d rounds"
              % (args.profiles, parts, args.rounds))
        print("front end  profiles -P -o stdout-xml : median %.2f ms" % fa)
        print("emulator   directly                  : median %.2f ms" % fb)
        print("cmdm as profiles -P -o stdout-xml    : median %.2f ms" % fw)
        print("cmdm start-up  cmdm --version        : median %.2f ms" % fc)
        print("front end start-up (no configuration): median %.2f ms" % fs)
        print("ratio %.2fx (target <= 1.2x); cmdm as profiles: %.2fx" % (fa / fb, fw / fb))
    finally:
        world.close()


if __name__ == "__main__":
    main()
