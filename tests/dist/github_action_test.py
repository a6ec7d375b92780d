#!/usr/bin/env python3
"""The GitHub Action (action.yml) run locally the way the runner runs it: its `cmdm check` step's
env (inputs substituted) and `run` line in bash, in a workspace holding the demo's examples,
with GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. Checks the annotations, the JUnit report, the
outputs, and that a glob that matches nothing is an error.

usage: github_action_test.py CMDM SOURCE_DIR
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import yaml


def expand(text, inputs, action_path):
    """GitHub's ${{ }} expressions as action.yml uses them."""
    def one(m):
        expr = m.group(1).strip()
        if expr == "github.action_path":
            return action_path
        m2 = re.fullmatch(r"inputs\.([\w-]+)(?: \|\| '([^']*)')?", expr)
        assert m2, f"unsupported expression {expr}"
        return inputs.get(m2.group(1)) or (m2.group(2) or "")
    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def run_action(action, inputs, source_dir, workspace):
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    assert step["shell"] == "bash"
    values = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    values.update(inputs)
    for name, spec in action["inputs"].items():
        assert not spec.get("required") or values.get(name), f"required input {name} missing"
    env = dict(os.environ, GITHUB_WORKSPACE=workspace,
               GITHUB_OUTPUT=os.path.join(workspace, "..", "output"),
               GITHUB_STEP_SUMMARY=os.path.join(workspace, "..", "summary"))
    for f in (env["GITHUB_OUTPUT"], env["GITHUB_STEP_SUMMARY"]):
        open(f, "w").close()
    env.update({k: expand(str(v), values, source_dir) for k, v in step["env"].items()})
    proc = subprocess.run(["bash", "-e", "-c", expand(step["run"], values, source_dir)],
                          cwd=workspace, env=env, capture_output=True, text=True)
    with open(env["GITHUB_OUTPUT"]) as f:
        outputs = dict(line.split("=", 1) for line in f.read().splitlines())
    with open(env["GITHUB_STEP_SUMMARY"]) as f:
        summary = f.read()
    return proc, outputs, summary


def main():
    cmdm, source_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(source_dir, "action.yml")) as f:
        action = yaml.safe_load(f)
    examples = os.path.join(source_dir, "testdata/examples")
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        workspace = os.path.join(scratch, "repo")
        shutil.copytree(examples, os.path.join(workspace, "profiles", "mac"))
        inputs = {"files": "profiles/**/*.mobileconfig", "target": "workspaceone", "cmdm": cmdm,
                  "html": "size-report.html", "sarif": "cmdm.sarif",
                  "args": "--vars profiles/mac/kext-allowlist.vars.yaml --facts profiles/mac/mac-facts.yaml"}
        proc, outputs, summary = run_action(action, inputs, source_dir, workspace)
        print(proc.stdout)
        if proc.returncode != 1 or outputs.get("exit-code") != "1":
            failures.append(f"exit {proc.returncode}, output {outputs}: {proc.stderr}")
        annotations = [l for l in proc.stdout.splitlines() if l.startswith("::error ")]
        want = "::error file=profiles/mac/security-baseline.mobileconfig,line="
        if len(annotations) != 1 or not annotations[0].startswith(want):
            failures.append(f"annotations: {annotations}")
        junit = ET.parse(os.path.join(workspace, outputs.get("junit", "missing")))
        suite = junit.getroot().find("testsuite")
        matched = len(glob.glob(os.path.join(workspace, inputs["files"]), recursive=True))
        if (suite.get("tests"), suite.get("failures")) != (str(matched), "1") or matched < 5:
            failures.append(f"JUnit: tests={suite.get('tests')} failures={suite.get('failures')}")
        for name in ("size-report.html", "cmdm.sarif"):
            if not os.path.getsize(os.path.join(workspace, name)):
                failures.append(f"{name} not written")
        if f"{matched - 1} of {matched} profiles fit workspaceone" not in summary:
            failures.append(f"summary: {summary!r}")

        proc, outputs, _ = run_action(action, {"files": "nothing/**/*.plist", "target": "fleet",
                                                "cmdm": cmdm}, source_dir, workspace)
        if proc.returncode != 2 or "::error title=cmdm check::no file matches" not in proc.stdout:
            failures.append(f"empty glob: exit {proc.returncode}: {proc.stdout}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
