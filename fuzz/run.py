#!/usr/bin/env python3
"""Builds seed corpora and runs every libFuzzer target in fuzz/ for a bounded time.

Seeds are made at run time from testdata/ and, when present, ../shared/corpus/dev (never copied
into the project): plist files as they are, converted to binary plist and to JSON, the
expressions found in templates, manifests from the golden build cases, bundles built around those
manifests. Inputs the fuzzer finds go to BUILD/fuzz/corpus/<target>/ and are kept between runs;
a crash is saved under BUILD/fuzz/crashes/<target>/ and fails the run.

  fuzz/run.py --build build-fuzz [--seconds 60] [--only plist_xml_fuzz,...]
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import pathlib
import plistlib
import re
import shutil
import struct
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FUZZ_DIR = ROOT / "fuzz"
CMS_OID = bytes.fromhex("06092a864886f70d010702")  # pkcs7-signedData
MAX_SEED_BYTES = 256 * 1024


def source_files(shared):
    """Every file under testdata/ and the shared corpus, smallest first."""
    roots = [ROOT / "testdata"]
    if shared and (shared / "corpus" / "dev").is_dir():
        roots.append(shared / "corpus" / "dev")
    files = [p for r in roots for p in r.rglob("*") if p.is_file()]
    files = [p for p in files if p.stat().st_size <= MAX_SEED_BYTES]
    return sorted(files, key=lambda p: (p.stat().st_size, str(p)))


def is_cms(data):
    return data[:1] == b"\x30" and CMS_OID in data[:64]


def plist_to_json(value):
    """The JSON source form of a plist value (docs/templates.md: $data and $date)."""
    if isinstance(value, dict):
        return {k: plist_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plist_to_json(v) for v in value]
    if isinstance(value, bytes):
        return {"$data": base64.b64encode(value).decode()}
    if isinstance(value, datetime.datetime):
        return {"$date": value.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if isinstance(value, plistlib.UID):
        return int(value)
    return value


def manifests_from_golden():
    """manifest.json texts the golden build cases print after '--- manifest'."""
    out = []
    for stdout in sorted((ROOT / "testdata" / "golden").glob("*/expected.stdout")):
        text = stdout.read_text(errors="replace")
        for chunk in text.split("--- manifest\n")[1:]:
            out.append(re.split(r"^--- ", chunk, flags=re.M)[0].encode())
    return out


def bundle_payload(manifest_text):
    """The uncompressed bundle payload (docs/bundle.md) of a manifest whose listed files are
    replaced by small made-up artifacts, so the reader's manifest check passes."""
    manifest = json.loads(manifest_text)
    artifacts = {}
    files = []
    for entry in manifest.get("files", []):
        data = ("artifact " + entry["path"] + "\n").encode()
        artifacts[entry["path"]] = data
        files.append({"path": entry["path"], "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()})
    manifest["files"] = files
    entries = [("manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())]
    entries += sorted(artifacts.items())
    table = struct.pack("<I", len(entries))
    for path, data in entries:
        p = path.encode()
        table += struct.pack("<H", len(p)) + p + struct.pack("<Q", len(data))
        table += hashlib.sha256(data).digest()
    return table + b"".join(data for _, data in entries)


def zstd_bundle(payload):
    """A whole bundle file, when the zstd command is there to compress it."""
    if not shutil.which("zstd"):
        return None
    frame = subprocess.run(["zstd", "-q", "-c", f"--stream-size={len(payload)}"], input=payload,
                           capture_output=True, check=True).stdout
    return b"CMDMBNDL" + struct.pack("<IIQ", 1, 0, len(payload)) + frame


def template_expressions(text):
    found = re.findall(r"\{\{\s*(.*?)\s*\}\}", text)
    found += re.findall(r'cmdm:(?:if|value)="([^"]*)"', text)
    found += re.findall(r'cmdm:each="([^"]*)"', text)
    found += re.findall(r'"cmdm:(?:if|each|value)"\s*:\s*"([^"]*)"', text)
    return found


def make_seeds(shared):
    """{target: [seed bytes]} from the project's test data and the shared corpus."""
    seeds = {t: [] for t in TARGETS}
    xml_values = []
    for path in source_files(shared):
        data = path.read_bytes()
        suffix = path.suffix.lower()
        if is_cms(data):
            seeds["signer_cms_fuzz"].append(data)
            continue
        if data.startswith(b"bplist"):
            seeds["plist_binary_fuzz"].append(data)
            continue
        if suffix == ".cmdm":
            seeds["emitters_bundle_fuzz"].append(b"\x00" + data)
        elif suffix == ".json":
            seeds["compiler_json_fuzz"].append(data)
            seeds["compiler_yaml_fuzz"].append(data)
        elif suffix in (".yaml", ".yml"):
            seeds["compiler_yaml_fuzz"].append(data)
        elif suffix in (".mobileconfig", ".plist", ".xml"):
            seeds["plist_xml_fuzz"].append(data)
            text = data.decode("utf-8", errors="replace")
            if "{{" in text or "cmdm:" in text:
                seeds["compiler_template_fuzz"].append(b"team in team_ids\n" + data)
            for expr in template_expressions(text):
                seeds["compiler_template_fuzz"].append(expr.encode() + b"\n")
            try:
                xml_values.append(plistlib.loads(data))
            except Exception:  # not every test input is a valid plist, on purpose
                pass
        if suffix in (".json", ".yaml", ".yml"):
            for expr in template_expressions(data.decode("utf-8", errors="replace")):
                seeds["compiler_template_fuzz"].append(expr.encode() + b"\n")
    try:
        import yaml  # PyYAML, when installed: block-style YAML seeds from the plist ones
    except ImportError:
        yaml = None
    for value in xml_values:
        try:
            seeds["plist_binary_fuzz"].append(plistlib.dumps(value, fmt=plistlib.FMT_BINARY))
            as_json = plist_to_json(value)
            seeds["compiler_json_fuzz"].append(json.dumps(as_json).encode())
            if yaml:
                seeds["compiler_yaml_fuzz"].append(yaml.safe_dump(as_json).encode())
        except (TypeError, ValueError, OverflowError):
            pass
    for manifest in manifests_from_golden():
        seeds["emitters_manifest_fuzz"].append(manifest)
        try:
            payload = bundle_payload(manifest)
        except (ValueError, KeyError, TypeError):
            continue
        seeds["emitters_bundle_fuzz"].append(b"\x01" + payload)
        whole = zstd_bundle(payload)
        if whole:
            seeds["emitters_bundle_fuzz"].append(b"\x00" + whole)
    return seeds


# target -> dictionary file in fuzz/ (None: libFuzzer finds its own tokens).
TARGETS = {
    "plist_xml_fuzz": "plist_xml.dict",
    "plist_binary_fuzz": "plist_binary.dict",
    "compiler_json_fuzz": "json.dict",
    "compiler_yaml_fuzz": "yaml.dict",
    "compiler_template_fuzz": "template.dict",
    "signer_cms_fuzz": None,
    "emitters_bundle_fuzz": "manifest.dict",
    "emitters_manifest_fuzz": "manifest.dict",
}


def write_seeds(directory, items):
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for data in items:
        (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def run_target(binary, target, work, args):
    corpus = work / "corpus" / target
    seeds = work / "seeds" / target
    crashes = work / "crashes" / target
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    command = [str(binary), f"-max_total_time={args.seconds}", f"-rss_limit_mb={args.rss_limit_mb}",
               f"-timeout={args.timeout}", "-print_final_stats=1",
               f"-artifact_prefix={crashes}/"]
    if TARGETS[target]:
        command.append(f"-dict={FUZZ_DIR / TARGETS[target]}")
    command += [str(corpus), str(seeds)]
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:allocator_may_return_null=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    log_path = work / "logs" / f"{target}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
    return code, log_path.read_text(errors="replace"), crashes


def summarize(log):
    """Executions, seconds, coverage (edges, features), corpus size and peak RSS from libFuzzer's
    output. COV counts instrumented code only: cmdm's libraries and the header-only nlohmann-json,
    not the shared OpenSSL, pugixml, yaml-cpp, libplist or zstd."""
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    secs = re.findall(r"Done \d+ runs in (\d+) second", log)
    status = re.findall(r"^#\d+\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/", log, flags=re.M)
    cov, ft, corp = status[-1] if status else ("?", "?", "?")
    rss = re.findall(r"stat::peak_rss_mb:\s*(\d+)", log)
    return (runs[-1] if runs else "?"), (secs[-1] if secs else "?"), cov, ft, corp, \
        (rss[-1] if rss else "?")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build-fuzz", help="the CMDM_FUZZ=ON build directory")
    parser.add_argument("--seconds", type=int, default=60, help="per target")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--rss-limit-mb", type=int, default=2048)
    parser.add_argument("--only", default="", help="comma-separated targets (default: all)")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"),
                        help="shared corpus directory (seeds from corpus/dev when present)")
    args = parser.parse_args()

    build = pathlib.Path(args.build).resolve()
    work = build / "fuzz"
    targets = [t for t in args.only.split(",") if t] or list(TARGETS)
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        parser.error("unknown target(s): " + ", ".join(unknown) + "; known: " + ", ".join(TARGETS))
    seeds = make_seeds(pathlib.Path(args.shared))
    failed = []
    print(f"{'TARGET':26} {'EXECS':>10} {'SECS':>5} {'COV':>6} {'FT':>7} {'CORPUS':>7} "
          f"{'RSS_MB':>6}  RESULT")
    for target in targets:
        binary = build / "fuzz" / target
        if not binary.exists():
            print(f"{target}: {binary} is missing; build with -DCMDM_FUZZ=ON", file=sys.stderr)
            return 2
        write_seeds(work / "seeds" / target, seeds[target])
        code, log, crashes = run_target(binary, target, work, args)
        runs, secs, cov, ft, corp, rss = summarize(log)
        result = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"{target:26} {runs:>10} {secs:>5} {cov:>6} {ft:>7} {corp:>7} {rss:>6}  {result}",
              flush=True)
        if code != 0:
            failed.append(target)
            for line in log.splitlines():
                if "ERROR:" in line or "SUMMARY:" in line or "fuzz invariant" in line or \
                   "Test unit written" in line or "runtime error" in line:
                    print("    " + line)
            print(f"    log: {work / 'logs' / (target + '.log')}; reproduce: {binary} <crash file>")
    if failed:
        print("fuzz: crashes in " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
