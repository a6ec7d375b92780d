#!/usr/bin/env python3
"""Writes a Munki nopkg pkginfo for one configuration profile installed through cmdm, from
pkginfo.template.plist and the three scripts beside it (the profile is carried base64-encoded in
the scripts; a nopkg item has no payload).

usage: make_pkginfo.py PROFILE_FILE PROFILE_ID NAME VERSION > NAME-VERSION.plist
"""
import base64
import os
import plistlib
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def fill(text, values):
    for key, value in values.items():
        text = text.replace("@%s@" % key, value)
    return text


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    profile, identifier, name, version = sys.argv[1:]
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", identifier):
        sys.exit("make_pkginfo.py: %r is not a profile identifier" % identifier)
    with open(profile, "rb") as f:
        encoded = base64.encodebytes(f.read()).decode().rstrip("\n")
    values = {"PROFILE_ID": identifier, "PROFILE_BASE64": encoded, "NAME": name,
              "VERSION": version,
              "PROFILE_FILE": identifier + (os.path.splitext(profile)[1] or ".mobileconfig")}
    with open(os.path.join(HERE, "pkginfo.template.plist"), "rb") as f:
        pkginfo = plistlib.load(f)
    for key in ("installcheck_script", "postinstall_script", "uninstall_script"):
        with open(os.path.join(HERE, key + ".sh")) as f:
            pkginfo[key] = fill(f.read(), values)
    for key in ("name", "version", "display_name", "description"):
        pkginfo[key] = fill(pkginfo[key], values)
    sys.stdout.buffer.write(plistlib.dumps(pkginfo))


if __name__ == "__main__":
    main()
