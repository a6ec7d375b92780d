#!/usr/bin/env python3
"""Every command `cmdm help` lists has a generated man page, and every option its `--help` prints
appears in that page as man renders it (the pages come from the same option tables, so a page
that lacks an option means the generator lost it).

usage: man_pages_test.py CMDM MAN1_DIR
"""
import os
import re
import shutil
import subprocess
import sys


def render(page):
    """The page as a reader sees it: `man -l`, else the roff source with its escapes undone."""
    if shutil.which("man"):
        env = dict(os.environ, MANWIDTH="200", MANPAGER="cat", LC_ALL="C.UTF-8")
        out = subprocess.run(["man", "-l", page], env=env, capture_output=True, text=True, check=True)
        # man may hyphenate or embolden with backspaces on some systems.
        return re.sub(r".\x08", "", out.stdout)
    with open(page) as f:
        return f.read().replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")


def main():
    cmdm, man1 = sys.argv[1], sys.argv[2]
    help_text = subprocess.run([cmdm, "help"], capture_output=True, text=True, check=True).stdout
    section = help_text.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = [line.split()[0] for line in section.splitlines() if line.strip()]
    assert len(commands) >= 10, commands
    failures = []
    main_page = render(os.path.join(man1, "cmdm.1"))
    checked = 0
    for command in commands:
        if f"cmdm-{command}(1)" not in main_page:
            failures.append(f"cmdm(1) does not list cmdm-{command}(1)")
        page = os.path.join(man1, f"cmdm-{command}.1")
        if not os.path.exists(page):
            failures.append(f"no page for {command}")
            continue
        text = render(page)
        usage = subprocess.run([cmdm, command, "--help"], capture_output=True, text=True).stdout
        options = re.findall(r"^\s+(?:-\w \[ )?--([\w-]+)", usage, re.M)
        if not options:
            failures.append(f"{command} --help lists no options")
        for option in options:
            checked += 1
            if not re.search(r"(^|[\s,])--" + re.escape(option) + r"\b", text, re.M):
                failures.append(f"cmdm-{command}(1) lacks --{option}")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(commands)} pages, {checked} options checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
