#!/usr/bin/env python3
"""contrib/homebrew/cmdm.rb cannot run here (no macOS, no Homebrew), so this checks that it says
what docs/install.md's macOS build says: the same Homebrew packages, the same cmake steps with the
same -D options, and a test block that runs the installed binary.

usage: homebrew_formula_test.py SOURCE_DIR
"""
import os
import re
import sys


def main():
    src = sys.argv[1]
    with open(os.path.join(src, "contrib/homebrew/cmdm.rb")) as f:
        formula = f.read()
    with open(os.path.join(src, "docs/install.md")) as f:
        doc = f.read()
    block = re.search(r"<!-- macos-build -->\s*```sh\n(.*?)```", doc, re.S)
    assert block, "docs/install.md has no macOS build block"
    steps = block.group(1)
    failures = []

    brew = set(re.search(r"^brew install (.*)$", steps, re.M).group(1).split())
    depends = set(re.findall(r'^\s*depends_on "([^"]+)"', formula, re.M))
    if brew != depends:
        failures.append(f"brew install {sorted(brew)} vs depends_on {sorted(depends)}")

    doc_defs = {d.split("=")[0] for d in re.findall(r"-D(\w+=\S+)", steps)}
    formula_defs = {d.split("=")[0] for d in re.findall(r'"-D(\w+=[^"]*)"', formula)}
    # std_cmake_args adds CMAKE_INSTALL_PREFIX and the build type Homebrew uses (Release).
    if doc_defs != formula_defs:
        failures.append(f"cmake -D options: docs {sorted(doc_defs)} vs formula {sorted(formula_defs)}")
    for step in (r"cmake -S \. -B build -G Ninja", r"cmake --build build", r"cmake --install build"):
        if not re.search(step, steps):
            failures.append(f"docs lack step {step}")
    for step in (r'"cmake", "-S", ".", "-B", "build", "-G", "Ninja"', r'"cmake", "--build", "build"',
                 r'"cmake", "--install", "build"'):
        if step not in formula:
            failures.append(f"formula lacks step {step}")
    if 'shell_output("#{bin}/cmdm --version")' not in formula:
        failures.append("the formula's test does not run the binary")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(depends)} packages, {len(formula_defs)} cmake options compared")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
