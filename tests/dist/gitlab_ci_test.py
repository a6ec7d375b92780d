#!/usr/bin/env python3
"""The GitLab CI snippet (contrib/gitlab/cmdm-check.gitlab-ci.yml) run locally as a runner would:
its variables (the profiles folder pointed at the demo's examples), each `script` line in bash
until one fails, then the artifacts it declares: the JUnit report GitLab publishes (one test case
per profile, a failure for the one that does not fit) and the HTML report.

usage: gitlab_ci_test.py CMDM SOURCE_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import yaml


def main():
    cmdm, source_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(source_dir, "contrib/gitlab/cmdm-check.gitlab-ci.yml")) as f:
        job = yaml.safe_load(f)["cmdm-check"]
    failures = []
    with tempfile.TemporaryDirectory() as work:
        project = os.path.join(work, "project")
        # Profiles in profiles/ (a folder stands for all its sources, YAML included), their
        # template variables and device facts in ci/.
        examples = os.path.join(source_dir, "testdata/examples")
        os.makedirs(os.path.join(project, "profiles"))
        os.makedirs(os.path.join(project, "ci"))
        for name in os.listdir(examples):
            if name.endswith(".mobileconfig"):
                shutil.copy(os.path.join(examples, name), os.path.join(project, "profiles"))
            elif name.endswith(".yaml"):
                shutil.copy(os.path.join(examples, name), os.path.join(project, "ci"))
        os.makedirs(os.path.join(work, "bin"))
        os.symlink(os.path.abspath(cmdm), os.path.join(work, "bin", "cmdm"))
        env = dict(os.environ, PATH=os.path.join(work, "bin") + os.pathsep + os.environ["PATH"])
        env.update({k: str(v) for k, v in job["variables"].items()})
        env["CMDM_ARGS"] = "--vars ci/kext-allowlist.vars.yaml --facts ci/mac-facts.yaml"
        code = 0
        for line in job["script"]:
            proc = subprocess.run(["bash", "-c", line], cwd=project, env=env, capture_output=True, text=True)
            print(f"$ {line}\n{proc.stdout}{proc.stderr}")
            code = proc.returncode
            if code:
                break
        if code != 1:
            failures.append(f"the job's script ended with {code}, want 1 (a profile does not fit)")
        artifacts = job["artifacts"]
        if artifacts.get("when") != "always":
            failures.append("the report must be published when the check fails too")
        junit = ET.parse(os.path.join(project, artifacts["reports"]["junit"])).getroot()
        cases = junit.findall(".//testcase")
        failed = [c.get("name") for c in cases if c.find("failure") is not None]
        profiles = [n for n in os.listdir(os.path.join(project, "profiles")) if n.endswith(".mobileconfig")]
        if len(cases) != len(profiles) or len(failed) != 1 or "security-baseline" not in failed[0]:
            failures.append(f"JUnit: {len(cases)} cases for {len(profiles)} profiles, failures {failed}")
        for path in artifacts["paths"]:
            if not os.path.getsize(os.path.join(project, path)):
                failures.append(f"artifact {path} is empty")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
