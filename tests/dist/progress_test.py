#!/usr/bin/env python3
"""Long commands (check, split, build) redraw one progress line on stderr when it is a terminal
(files done, parts where known, elapsed time) and erase it before their report; with stderr a
pipe or a file (CI logs) they print no progress at all.

usage: progress_test.py CMDM SOURCE_DIR
"""
import os
import pty
import re
import subprocess
import sys
import tempfile

LINE = re.compile(rb"\r\x1b\[K(\w+) \[(\d+)/(\d+)\] (?:(\d+) parts? )?(\d+\.\d)s ")


def run_on_terminal(args, cwd):
    """Runs with stderr on a pseudo-terminal; returns (code, what the terminal received)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    received = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    return proc.wait(), received


def main():
    cmdm, source_dir = sys.argv[1], sys.argv[2]
    examples = os.path.join(source_dir, "testdata/examples")
    files = sorted(os.path.join(examples, n) for n in os.listdir(examples) if n.endswith(".mobileconfig"))
    template = ["--vars", os.path.join(examples, "kext-allowlist.vars.yaml"),
                "--facts", os.path.join(examples, "mac-facts.yaml")]
    failures = []
    with tempfile.TemporaryDirectory() as work:
        commands = {
            "check": [cmdm, "check", *files, *template, "--target", "workspaceone"],
            "split": [cmdm, "split", *files, *template, "--target", "workspaceone", "-o", "split-out"],
            "build": [cmdm, "build", *files, *template, "--target", "workspaceone", "-o", "build-out"],
        }
        for name, args in commands.items():
            code, tty = run_on_terminal(args, work)
            lines = LINE.findall(tty)
            if not lines or any(l[0].decode() != name for l in lines):
                failures.append(f"{name}: no progress line on a terminal: {tty[:300]!r}")
                continue
            counts = {int(l[2]) for l in lines}
            if counts != {len(files)}:
                failures.append(f"{name}: progress counts {counts}, {len(files)} files")
            # After the last update the line is erased before anything else is printed (the
            # terminal turns "\n" into "\r\n", so the next "\r" must start the erase sequence).
            tail = tty[list(LINE.finditer(tty))[-1].end():]
            if not tail[tail.find(b"\r"):].startswith(b"\r\x1b[K"):
                failures.append(f"{name}: the line is not erased before the report: {tail[:200]!r}")
            # Every command shows the parts made so far, and they only grow.
            parts = [int(l[3]) for l in lines if l[3]]
            if not parts or parts != sorted(parts):
                failures.append(f"{name}: parts {parts} should be shown and grow")
            print(f"{name}: {len(lines)} progress updates on a terminal, last {lines[-1][0:4]}")
            piped = subprocess.run(args, cwd=work, capture_output=True)
            if b"\r" in piped.stderr or b"\x1b[" in piped.stderr:
                failures.append(f"{name}: progress written to a pipe: {piped.stderr[:200]!r}")
            if piped.returncode != code:
                failures.append(f"{name}: exit {piped.returncode} with a pipe, {code} on a terminal")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
