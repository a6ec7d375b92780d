#!/usr/bin/env python3
"""Validates every version-2 manifest.json under the given directories against
docs/manifest.schema.json (JSON Schema 2020-12, with the `jsonschema` package: Debian's
python3-jsonschema). Prints one line per invalid manifest with the failing JSON path.

usage: validate_manifests.py SCHEMA DIR...   exit 0 all valid, 1 some invalid, 77 no validator
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("no jsonschema module (Debian package python3-jsonschema)", file=sys.stderr)
    sys.exit(77)


def manifests(root):
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name == "manifest.json":
                yield os.path.join(dirpath, name)


def main():
    schema_path, roots = sys.argv[1], sys.argv[2:]
    with open(schema_path) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for root in roots:
        for path in manifests(root):
            try:
                with open(path) as f:
                    doc = json.load(f)
            except (OSError, ValueError):
                continue  # a case may plant a broken manifest on purpose
            if not isinstance(doc, dict) or doc.get("manifest_version") != 2:
                continue  # inputs of older versions (read by cmdm, not written by it)
            for error in validator.iter_errors(doc):
                where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
                print(f"{os.path.relpath(path, root)}: {where or '.'}: {error.message}")
                bad += 1
                break
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
