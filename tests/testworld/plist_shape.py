"""Prints the shape of `profiles -o stdout-xml` output as JSON, read by Python's plistlib (an
independent parser): for each owner, the key -> type of every profile and every ProfileItems entry.
Usage: plist_shape.py FILE"""
import json
import plistlib
import sys


def type_name(value):
    for t, name in ((bool, "bool"), (int, "integer"), (float, "real"), (str, "string"),
                    (bytes, "data"), (list, "array"), (dict, "dict")):
        if isinstance(value, t):
            return name
    return type(value).__name__


def main():
    with open(sys.argv[1], "rb") as f:
        doc = plistlib.load(f)
    shape = {"root": type_name(doc), "owners": {}}
    for owner, profiles in doc.items():
        entry = {"type": type_name(profiles), "profiles": []}
        for p in profiles:
            items = [{k: type_name(v) for k, v in item.items()} for item in p.get("ProfileItems", [])]
            entry["profiles"].append({"keys": {k: type_name(v) for k, v in p.items()},
                                      "items": items,
                                      "install_date": p.get("ProfileInstallDate", "")})
        shape["owners"][owner] = entry
    json.dump(shape, sys.stdout)


main()
