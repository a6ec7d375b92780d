#!/usr/bin/env python3
"""Runs golden CLI cases.

A case is a directory testdata/golden/<case>/ holding:
  cmd              a shell snippet run by /bin/sh in a scratch copy of the case directory, with
                   $CMDM set to the cmdm binary (e.g. `$CMDM fmt in.plist --style minimal`)
  expected.stdout  exact standard output      (generated: run with --regen)
  expected.stderr  exact standard error       (generated)
  expected.code    the exit status            (generated)
Inputs sit next to `cmd`. Paths in messages are relative because the snippet runs in the copy.

usage: run.py --cmdm PATH [--regen] CASE_DIR...
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                      "manifest.schema.json")
VALIDATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "validate_manifests.py")


def schema_python():
    """A Python that has jsonschema: this one, or Debian's (python3-jsonschema)."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        if candidate and os.path.exists(candidate) and subprocess.run(
                [candidate, "-c", "import jsonschema"], capture_output=True).returncode == 0:
            return candidate
    return None


_SCHEMA_PYTHON = []


def validate_manifests(work, case):
    """Every manifest a case wrote must validate against docs/manifest.schema.json."""
    if not _SCHEMA_PYTHON:
        _SCHEMA_PYTHON.append(schema_python())
    python = _SCHEMA_PYTHON[0]
    if python is None:
        if os.environ.get("CI") == "true":
            sys.stdout.write("no Python with jsonschema (install python3-jsonschema)\n")
            return False
        return True
    proc = subprocess.run([python, VALIDATOR, SCHEMA, work], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stdout.write(f"--- {case}: manifest schema\n{proc.stdout}{proc.stderr}")
        return False
    return True


def run_case(cmdm, case_dir, regen):
    with tempfile.TemporaryDirectory(prefix="cmdm-golden-") as scratch:
        work = os.path.join(scratch, "case")
        shutil.copytree(case_dir, work)
        env = dict(os.environ, CMDM=cmdm, LC_ALL="C.UTF-8", TZ="UTC", SOURCE_DATE_EPOCH="1767225600")
        with open(os.path.join(case_dir, "cmd")) as f:
            snippet = f.read()
        proc = subprocess.run(["/bin/sh", "-c", snippet], cwd=work, env=env, capture_output=True,
                              timeout=300)
        schema_ok = validate_manifests(work, os.path.basename(case_dir))
    if not schema_ok:
        return False
    got = {"stdout": proc.stdout, "stderr": proc.stderr,
           "code": (str(proc.returncode) + "\n").encode()}
    if regen:
        for key, value in got.items():
            with open(os.path.join(case_dir, "expected." + key), "wb") as f:
                f.write(value)
        return True
    ok = True
    for key, value in got.items():
        path = os.path.join(case_dir, "expected." + key)
        try:
            with open(path, "rb") as f:
                want = f.read()
        except FileNotFoundError:
            want = b"" if key != "code" else b"0\n"
        if want != value:
            ok = False
            sys.stdout.write(f"--- {os.path.basename(case_dir)}: {key} differs\n")
            sys.stdout.write("want:\n" + want.decode(errors="replace") + "\n")
            sys.stdout.write("got:\n" + value.decode(errors="replace") + "\n")
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cmdm", required=True)
    parser.add_argument("--regen", action="store_true")
    parser.add_argument("cases", nargs="+")
    args = parser.parse_args()
    cmdm = os.path.abspath(args.cmdm)
    failed = [c for c in args.cases if not run_case(cmdm, os.path.abspath(c), args.regen)]
    if failed:
        print(f"{len(failed)} golden case(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
