#!/usr/bin/env python3
"""`cmdm check --html` and `cmdm explain --html` on the demo's examples: one self-contained page
(no external resource, no script), per profile the measured command size against the limit as
`cmdm check --json` reports it, a treemap whose payload tiles carry the sizes `cmdm explain`
prints, and names escaped. Then the page in headless Chromium: the DOM it builds and a screenshot.
Exits 77 (skipped) only when no browser is installed.

usage: html_report_test.py CMDM SOURCE_DIR
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77


def browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def sections(html):
    """Per profile section: its attributes and its text."""
    out = []
    for m in re.finditer(r'<section class="profile"([^>]*)>(.*?)</section>', html, re.S):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
        out.append((attrs, m.group(2)))
    return out


def explain_payload_sizes(text):
    """{file: sorted payload sizes} from `cmdm explain`'s text ("    1324  PayloadContent[0] ...")."""
    sizes, current = {}, None
    for line in text.splitlines():
        header = re.match(r"^(\S.*?\.mobileconfig)(?: \(|$)", line)
        if header:
            current = header.group(1)
            sizes[current] = []
        m = re.match(r"^\s+(\d+)  PayloadContent\[", line)
        if m and current:
            sizes[current].append(int(m.group(1)))
    return {k: sorted(v) for k, v in sizes.items()}


def check_page(html, rows, payload_sizes):
    failures = []
    if re.search(r"https?:|<script|<link|<img|<iframe|url\(|@import", html, re.I):
        failures.append("the page references something outside itself")
    secs = sections(html)
    if len(secs) != len(rows):
        failures.append(f"{len(secs)} sections for {len(rows)} profiles")
    by_file = {r["file"]: r for r in rows}
    for attrs, body in secs:
        row = by_file.get(attrs.get("data-file", "").replace("&amp;", "&").replace("&lt;", "<")
                          .replace("&gt;", ">").replace("&quot;", '"'))
        if row is None:
            failures.append(f"section for unknown file {attrs.get('data-file')}")
            continue
        if "error" in row:
            continue
        if int(attrs["data-command"]) != row["command_size"] or int(attrs["data-limit"]) != row["limit"]:
            failures.append(f"{row['file']}: page says {attrs['data-command']}/{attrs['data-limit']}, "
                            f"check says {row['command_size']}/{row['limit']}")
        if (attrs["data-fits"] == "true") != row["fits"]:
            failures.append(f"{row['file']}: fits differs")
        groups = sorted(int(c) for c, label in re.findall(
            r'<g class="group" data-chars="(\d+)"><rect[^>]*><title>([^<]*)', body)
            if label.startswith("PayloadContent["))
        want = payload_sizes.get(row["file"])
        # A payload tile is at least the payload's measured share (more only when its keys,
        # each measured alone, add up to more).
        if want is None or len(groups) != len(want) or any(g < w for g, w in zip(groups, want)):
            failures.append(f"{row['file']}: payload tiles {groups}, explain says {want}")
        leaves = [int(c) for c in re.findall(r'<g class="leaf" data-chars="(\d+)"', body)]
        if not leaves or sum(leaves) < row["command_size"] * 0.5:
            failures.append(f"{row['file']}: treemap leaves sum to {sum(leaves)} for a "
                            f"{row['command_size']}-character command")
        if "What would make it fit" not in body or "What each pass saved" not in body:
            failures.append(f"{row['file']}: a part of the section is missing")
    return failures


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def main():
    cmdm, source_dir = sys.argv[1], sys.argv[2]
    examples = os.path.join(source_dir, "testdata/examples")
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for name in os.listdir(examples):
            if name.endswith(".mobileconfig"):
                shutil.copy(os.path.join(examples, name), work)
        hostile = 'a<b>&"c.mobileconfig'
        shutil.copy(os.path.join(examples, "safari-homepage.mobileconfig"), os.path.join(work, hostile))
        files = sorted(n for n in os.listdir(work) if n.endswith(".mobileconfig"))
        common = ["--target", "workspaceone", "--vars", os.path.join(examples, "kext-allowlist.vars.yaml"),
                  "--facts", os.path.join(examples, "mac-facts.yaml")]
        run = lambda *a: subprocess.run([cmdm, *a], cwd=work, capture_output=True, text=True)
        rows = json.loads(run("check", *files, *common, "--json").stdout)
        assert run("check", *files, *common, "--html", "check.html").returncode == 1
        explained = run("explain", *files, *common, "--html", "explain.html")
        assert explained.returncode == 1, explained.stderr
        payload_sizes = explain_payload_sizes(explained.stdout)
        for page in ("check.html", "explain.html"):
            with open(os.path.join(work, page), encoding="utf-8") as f:
                html = f.read()
            failures += [f"{page}: {x}" for x in check_page(html, rows, payload_sizes)]
            if 'a&lt;b&gt;&amp;&quot;c.mobileconfig' not in html or hostile in html:
                failures.append(f"{page}: the file name is not escaped")
            print(f"{page}: {len(html)} bytes, {len(sections(html))} profiles")

        chromium = browser()
        if not chromium:
            print("SKIP: no Chromium (Debian: apt-get install chromium) to render the page")
            return 1 if failures else SKIP
        flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--no-first-run", "--user-data-dir=" + os.path.join(work, "profile")]
        url = "file://" + os.path.join(work, "check.html")
        dom = subprocess.run(flags + ["--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
        # The DOM Chromium built: every section, its SVG tiles and rows, parsed as HTML and SVG.
        dom_sections = sections(dom)
        if len(dom_sections) != len(rows):
            failures.append(f"DOM: {len(dom_sections)} sections")
        if dom.count("<rect") < 40 or dom.count("<svg") < 2 * len(rows):
            failures.append(f"DOM: {dom.count('<rect')} rects, {dom.count('<svg')} svgs")
        if not re.search(r'<p class="quiet" id="verdict">\d+ of \d+ profiles fit workspaceone', dom):
            failures.append("DOM: no verdict line")
        shot = os.path.join(work, "shot.png")
        subprocess.run(flags + ["--window-size=1040,1600", "--screenshot=" + shot, url],
                       capture_output=True, timeout=120)
        if not os.path.exists(shot):
            failures.append("no screenshot")
        else:
            width, height = png_size(shot)
            size = os.path.getsize(shot)
            print(f"screenshot: {width}x{height}, {size} bytes")
            # A blank page compresses to a few kilobytes; the report's tiles and text do not.
            if (width, height) != (1040, 1600) or size < 60000:
                failures.append(f"screenshot {width}x{height}, {size} bytes")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
