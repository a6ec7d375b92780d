#!/usr/bin/env python3
"""`cmdm check --sarif FILE` writes SARIF 2.1.0: valid against the standard's required structure
(testdata/sarif/), one result per profile that does not fit (or cannot be read), each at the line
of the profile's PayloadIdentifier, with the fix.

usage: sarif_test.py CMDM SOURCE_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool,
         "integer": int, "number": (int, float)}


def validate(value, schema, root, path="$"):
    """The JSON Schema keywords the SARIF subset uses; returns a list of errors."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return validate(value, root["definitions"][name], root, path)
    errors = []
    kind = schema.get("type")
    if kind and (not isinstance(value, TYPES[kind]) or (kind == "integer" and isinstance(value, bool))):
        return [f"{path}: expected {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing required '{key}'")
        if "anyOf" in schema and not any(not validate(value, s, root, path) for s in schema["anyOf"]):
            errors.append(f"{path}: matches none of anyOf")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += validate(value[key], sub, root, f"{path}.{key}")
    if isinstance(value, list):
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            errors.append(f"{path}: items are not unique")
        for i, item in enumerate(value):
            errors += validate(item, schema.get("items", {}), root, f"{path}[{i}]")
    return errors


def main():
    cmdm, source_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(source_dir, "testdata/sarif/sarif-2.1.0-required.schema.json")) as f:
        schema = json.load(f)
    # The validator rejects what the standard rejects (else this test could not fail).
    for broken in ({"runs": []}, {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]},
                   {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                                  "results": [{"message": {"text": "m"}, "level": "fatal"}]}]},
                   {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
                       {"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}]}]}):
        assert validate(broken, schema, schema), f"validator accepted {broken}"

    examples = os.path.join(source_dir, "testdata/examples")
    with tempfile.TemporaryDirectory() as work:
        # The demo's examples, one under a name that needs percent-encoding, and one broken source.
        for name in os.listdir(examples):
            if name.endswith(".mobileconfig"):
                target = "security baseline.mobileconfig" if name.startswith("security") else name
                shutil.copy(os.path.join(examples, name), os.path.join(work, target))
        with open(os.path.join(work, "broken.mobileconfig"), "w") as f:
            f.write("<plist><dict><key>PayloadIdentifier</key>\n")
        files = sorted(n for n in os.listdir(work) if n.endswith(".mobileconfig"))
        args = [cmdm, "check", *files, "--target", "workspaceone",
                "--vars", os.path.join(examples, "kext-allowlist.vars.yaml"),
                "--facts", os.path.join(examples, "mac-facts.yaml")]
        proc = subprocess.run(args + ["--sarif", "out.sarif"], cwd=work, capture_output=True, text=True)
        assert proc.returncode in (1, 65), proc
        rows = json.loads(subprocess.run(args + ["--json"], cwd=work, capture_output=True, text=True).stdout)
        with open(os.path.join(work, "out.sarif")) as f:
            log = json.load(f)
        errors = validate(log, schema, schema)
        for e in errors:
            print("FAIL:", e)
        results = log["runs"][0]["results"]
        not_fitting = [r for r in rows if not r["fits"]]
        assert len(results) == len(not_fitting) == 2, (len(results), not_fitting)
        rules = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
        for result in results:
            rule = result["ruleId"]
            assert rules[result["ruleIndex"]] == rule
            loc = result["locations"][0]["physicalLocation"]
            path = urllib.parse.unquote(loc["artifactLocation"]["uri"])
            assert os.path.exists(os.path.join(work, path)), path
            line = loc["region"]["startLine"]
            with open(os.path.join(work, path), errors="replace") as f:
                text = f.read().splitlines()
            print(f"{rule}: {path}:{line}: {result['message']['text'][:100]}")
            if rule == "does-not-fit":
                assert " " in path and "%20" in loc["artifactLocation"]["uri"]
                assert "PayloadIdentifier" in text[line - 1] or "PayloadIdentifier" in text[line - 2], text[line - 1]
                assert "Fix: " in result["message"]["text"], result
                assert result["properties"]["fixes"], result
                row = next(r for r in rows if r["file"] == path)
                assert result["properties"]["commandSize"] == row["command_size"] > row["limit"]
            else:
                assert rule == "source-error" and path == "broken.mobileconfig"
        return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
