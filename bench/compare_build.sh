#!/bin/sh
# Side by side: `cmdm build` over the shared corpus for one target, whole process, against a Python
# reference that does the same work per file (parse, minimal XML encode, base64, wrap in the
# Workspace ONE body, write), with `-j 1` as the reference is one process; then 10,000 generated
# profiles built with `-j 1` and `-j 2`: wall time, CPU time, peak memory, and identical outputs.
# Usage: bench/compare_build.sh [path/to/cmdm]     (exit 77 when the corpus is absent)
set -eu
CMDM=${1:-build/cli/cmdm}
CMDM=$(cd "$(dirname "$CMDM")" && pwd)/$(basename "$CMDM")
SHARED=${CMDM_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
CORPUS="$SHARED/corpus/dev"
TARGET=${TARGET:-workspaceone}
RUNS=${RUNS:-5}
if [ ! -d "$CORPUS" ]; then echo "compare_build: no corpus at $CORPUS; skipping" >&2; exit 77; fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The corpus keeps one folder per upstream repository; cmdm takes each folder as a source directory.
# A build refuses two sources with one PayloadIdentifier (they would replace each other on a Mac),
# and 125 profiles of one upstream set share theirs: the race runs on a copy in which a repeated
# identifier gets a suffix (".dup<N>", the file re-encoded by plistlib), so both tools do the same
# work on every file. Signed files are copied as they are.
python3 - "$CORPUS" "$WORK/corpus" <<'PY'
import os, plistlib, shutil, sys
src, dst = sys.argv[1:]
seen = {}
for d in sorted(os.listdir(src)):
    if not os.path.isdir(os.path.join(src, d)): continue
    os.makedirs(os.path.join(dst, d))
    for name in sorted(os.listdir(os.path.join(src, d))):
        path = os.path.join(src, d, name)
        if not os.path.isfile(path): continue
        out = os.path.join(dst, d, name)
        try:
            with open(path, "rb") as f: root = plistlib.load(f)
            ident = root.get("PayloadIdentifier") if isinstance(root, dict) else None
        except Exception:
            ident = None
        if isinstance(ident, str) and ident.lower() in seen:
            seen[ident.lower()] += 1
            root["PayloadIdentifier"] = "%s.dup%d" % (ident, seen[ident.lower()])
            with open(out, "wb") as f: plistlib.dump(root, f)
            continue
        if isinstance(ident, str): seen[ident.lower()] = 0
        shutil.copyfile(path, out)
PY
DIRS=$(find "$WORK/corpus" -mindepth 1 -maxdepth 1 -type d | sort)

cat > "$WORK/reference.py" <<'PY'
# The Python reference: per file, plistlib parse, minimal XML encode, base64, Workspace ONE wrap.
import base64, glob, json, os, plistlib, sys
from xml.sax.saxutils import escape

def enc(v, out):
    if isinstance(v, bool): out.append("<true/>" if v else "<false/>")
    elif isinstance(v, int): out.append("<integer>%d</integer>" % v)
    elif isinstance(v, float): out.append("<real>%r</real>" % v)
    elif isinstance(v, str): out.append("<string>%s</string>" % escape(v) if v else "<string/>")
    elif isinstance(v, bytes): out.append("<data>%s</data>" % base64.b64encode(v).decode())
    elif isinstance(v, dict):
        out.append("<dict>")
        for k, x in v.items():
            out.append("<key>%s</key>" % escape(k)); enc(x, out)
        out.append("</dict>")
    elif isinstance(v, list):
        out.append("<array>"); [enc(x, out) for x in v]; out.append("</array>")
    else: out.append("<date>%s</date>" % v.strftime("%Y-%m-%dT%H:%M:%SZ"))

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)
ok = 0
for d in sys.argv[2:]:
    for path in sorted(glob.glob(os.path.join(d, "*.mobileconfig")) + glob.glob(os.path.join(d, "*.plist"))):
        try:
            with open(path, "rb") as f: root = plistlib.loads(f.read())
        except Exception:
            continue
        if not isinstance(root, dict) or not isinstance(root.get("PayloadIdentifier"), str): continue
        parts = ['<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd"><plist version="1.0">']
        enc(root, parts); parts.append("</plist>")
        profile = "".join(parts).encode()
        xml = ("<dict><key>RequestType</key><string>InstallProfile</string><key>Payload</key><data>%s</data></dict>"
               % base64.b64encode(profile).decode())
        with open(os.path.join(out_dir, "%d.install.json" % ok), "w") as f: json.dump({"CommandXml": xml}, f)
        ok += 1
print(ok, "files", file=sys.stderr)
PY

# Runs cmdm and the reference RUNS times each, alternating, each run into a directory of its own
# under $1 (nothing is deleted until all runs are done: on ext4 without a journal, creating files
# right after deleting many costs far more, and would tax whichever tool ran after the deletion).
# Prints "cmdm_wall cmdm_cpu ref_wall ref_cpu", the best of each (cpu = user + sys of the process
# and its children), measured from Python so it works without GNU time.
race() {
  python3 - "$RUNS" "$1" "$CMDM" "$TARGET" "$WORK/reference.py" $DIRS <<'PY'
import os, resource, shutil, subprocess, sys, time
runs, base, cmdm, target, ref, dirs = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
def timed(cmd):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - t0) * 1000
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, ((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) * 1000
best = {"cmdm": [1e18, 1e18], "ref": [1e18, 1e18]}
for i in range(runs):
    for name, cmd in (("cmdm", [cmdm, "build", *dirs, "--target", target, "-o", "%s/c%d" % (base, i), "--keep-going", "-j", "1"]),
                      ("ref", ["python3", ref, "%s/p%d" % (base, i), *dirs])):
        wall, cpu = timed(cmd)
        best[name] = [min(best[name][0], wall), min(best[name][1], cpu)]
for i in range(runs):
    for d in ("c", "p"): shutil.rmtree("%s/%s%d" % (base, d, i), ignore_errors=True)
print("%.1f %.1f %.1f %.1f" % (*best["cmdm"], *best["ref"]))
PY
}

# shellcheck disable=SC2086
"$CMDM" build $DIRS --target "$TARGET" -o "$WORK/check" --keep-going --json 2>/dev/null |
  python3 -c 'import json,sys; j=json.load(sys.stdin); print("cmdm built", len({r["source"] for r in j["routes"]}), "sources,", j["skipped_sources"], "skipped")' || true
python3 "$WORK/reference.py" "$WORK/check-py" $DIRS

# The floor no program can go below: creating the same number of files of the same sizes in a
# fresh directory, timed in-process (best of RUNS). cmdm writes more files than the reference (the
# final profiles, install and remove bodies, the manifest), and on some file systems creating a
# file right after many were deleted costs far more than any work done on its contents.
floor() {
  python3 - "$RUNS" "$1" "$2" <<'PY'
import os, resource, shutil, sys, time
runs, model, base = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sizes = [os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(model) for f in fs]
best = None
for run in range(runs):
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    os.makedirs(os.path.join(base, str(run)))
    for i, n in enumerate(sizes):
        with open(os.path.join(base, str(run), str(i)), "wb") as f: f.write(b"x" * n)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = ((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) * 1000
    best = cpu if best is None else min(best, cpu)
shutil.rmtree(base, ignore_errors=True)
print("%d %.1f" % (len(sizes), best))
PY
}

# One comparison with the outputs under $1 (a new directory each run, as a CI job has).
compare() {
  CP=$(race "$1")
  FC=$(floor "$WORK/check" "$1/floor")
  FP=$(floor "$WORK/check-py" "$1/floor")
  echo "corpus build, target $TARGET, whole process, outputs on $2, best of $RUNS (wall ms, cpu ms):"
  python3 - $CP $FC $FP <<'PY'
import sys
cw, cc, pw, pc, fcn, fcc, fpn, fpc = map(float, sys.argv[1:])
print("  cmdm build      %9.1f %9.1f" % (cw, cc))
print("  python3 ref     %9.1f %9.1f" % (pw, pc))
print("  ratio           %8.1fx %8.1fx  (target >= 20x)" % (pw / cw, pc / max(cc, 0.1)))
print("  creating the output files alone: cmdm's %d files %.1f ms cpu, the reference's %d files %.1f ms cpu"
      % (fcn, fcc, fpn, fpc))
PY
}

compare "$WORK" "$(df -P "$WORK" | awk 'NR == 2 { print $1 }') (the temporary directory)"
# The same on a RAM file system when there is one, where creating a file costs little.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SHM=$(mktemp -d /dev/shm/cmdm-bench.XXXXXX)
  trap 'rm -rf "$WORK" "$SHM"' EXIT
  compare "$SHM" "/dev/shm (tmpfs)"
fi

# Peak memory: 10,000 generated profiles of ~1 KB, one build.
GEN="$WORK/gen"
python3 - "$GEN" <<'PY'
import os, plistlib, sys, uuid
d = sys.argv[1]; os.makedirs(d)
for i in range(10000):
    ident = "com.example.gen.%05d" % i
    p = {"PayloadContent": [{"HomePage": "https://intranet.example.com/%d" % i, "PayloadIdentifier": ident + ".safari",
          "PayloadType": "com.apple.Safari", "PayloadUUID": str(uuid.uuid5(uuid.NAMESPACE_DNS, ident + ".p")).upper(),
          "PayloadVersion": 1}], "PayloadDisplayName": "Generated %d" % i, "PayloadIdentifier": ident,
         "PayloadType": "Configuration", "PayloadUUID": str(uuid.uuid5(uuid.NAMESPACE_DNS, ident)).upper(), "PayloadVersion": 1}
    with open(os.path.join(d, "p%05d.mobileconfig" % i), "wb") as f: plistlib.dump(p, f)
PY
# Each build in a child whose own resource usage wait4 reports (wall, user + sys, peak RSS), into a
# new directory; then the two output trees compared file by file.
python3 - "$CMDM" "$GEN" "$TARGET" "$WORK" <<'PY'
import filecmp, os, subprocess, sys, time
cmdm, gen, target, work = sys.argv[1:]
def run(jobs):
    out = os.path.join(work, "gen-j%d" % jobs)
    t0 = time.perf_counter()
    p = subprocess.Popen([cmdm, "build", gen, "--target", target, "-o", out, "--bundle", "-j", str(jobs)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    rss_mb = ru.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return out, status, wall, ru.ru_utime + ru.ru_stime, rss_mb
def same_tree(a, b):
    left = sorted(os.path.relpath(os.path.join(d, f), a) for d, _, fs in os.walk(a) for f in fs)
    right = sorted(os.path.relpath(os.path.join(d, f), b) for d, _, fs in os.walk(b) for f in fs)
    if left != right: return False
    return all(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False) for f in left)
print("10,000 generated profiles, target %s, with bundle (wall s, cpu s, peak RSS MB):" % target)
results = [run(j) for j in (1, 2)]
for jobs, (out, status, wall, cpu, rss) in zip((1, 2), results):
    print("  -j %d            %9.2f %9.2f %9.1f  exit %d" % (jobs, wall, cpu, rss, os.waitstatus_to_exitcode(status)))
print("  speed-up        %8.2fx (wall); outputs identical: %s"
      % (results[0][2] / results[1][2], "yes" if same_tree(results[0][0], results[1][0]) else "NO"))
PY
