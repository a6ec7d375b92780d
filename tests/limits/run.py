#!/usr/bin/env python3
"""Runs hostile input shapes through the cmdm binary and checks that each is refused cleanly.

Every case runs cmdm with an address-space limit (ulimit -v, 1 GiB by default) and a wall-clock
timeout, then checks the exit code and a substring of standard error. A case passes only when
cmdm exited by itself (no hang, no signal, no out-of-memory abort) with the expected code.

A case with `expected_failure` documents a shape today's code does not refuse yet: the harness
reports it as XFAIL while it still fails and fails the run once it passes, so whoever lands the
fix flips the flag (and the comment says which change that is).

To add a case, add a row to CASES: a name, a `make` function that writes the input into the
scratch directory and returns the argv after `cmdm` ({input} is the path it made), the expected
exit code and stderr substring.

usage: run.py --cmdm PATH [--memory-mb 1024] [--timeout 30] [--sanitized] [NAME...]
"""
import argparse
import os
import plistlib
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import threading

# ---- Input makers: each writes into `scratch` and returns (argv after cmdm, cleanup or None) ----


def sparse_file(size, name):
    """A file of `size` zero bytes that takes no disk space."""
    def make(scratch):
        path = os.path.join(scratch, name)
        with open(path, "wb") as f:
            f.truncate(size)
        return ["inspect", path], None
    return make


def device(path):
    def make(scratch):
        return ["inspect", path], None
    return make


def endless_fifo(scratch):
    """A FIFO that a thread keeps writing to until the reader goes away."""
    path = os.path.join(scratch, "endless.fifo")
    os.mkfifo(path)
    stop = threading.Event()

    def feed():
        try:
            fd = os.open(path, os.O_WRONLY)
        except OSError:
            return
        chunk = b"<plist><array>" + b"<string>x</string>" * 4096
        try:
            while not stop.is_set():
                os.write(fd, chunk)
        except OSError:  # the reader closed: EPIPE
            pass
        finally:
            os.close(fd)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()

    def cleanup():
        stop.set()
        # Unblock a writer still waiting in open() when cmdm never opened the FIFO.
        try:
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        except OSError:
            pass
        writer.join(timeout=5)
    return ["inspect", path], cleanup


def text_file(name, text, command="inspect"):
    def make(scratch):
        path = os.path.join(scratch, name)
        with open(path, "w") as f:
            f.write(text)
        return [command, path], None
    return make


def binary_file(name, data, command="inspect"):
    def make(scratch):
        path = os.path.join(scratch, name)
        with open(path, "wb") as f:
            f.write(data)
        return [command, path], None
    return make


def billion_laughs_yaml(levels=9, fanout=10):
    """Each anchor is an array of `fanout` aliases of the one before: fanout**levels strings."""
    lines = ['PayloadIdentifier: com.example.laughs', 'PayloadType: Configuration',
             'l0: &l0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fanout) + "]")
    lines.append(f"PayloadContent: [{{PayloadType: com.example.laughs, l: *l{levels}}}]")
    return "\n".join(lines) + "\n"


def binary_plist_huge_count():
    """A bplist00 whose trailer claims 2**40 objects and an offset table far past the file."""
    body = b"bplist00" + b"\x08"  # one object: false
    offsets = struct.pack(">B", 8)
    trailer = struct.pack(">6xBBQQQ", 1, 1, 1 << 40, 0, len(body))
    return body + offsets + trailer


def binary_plist_many_objects(count):
    """A valid bplist00 near the 64 MiB input limit: an array of `count` distinct objects, each
    one byte (true), with 4-byte offsets and references."""
    body = bytearray(b"bplist00")
    first = len(body)
    body += b"\x09" * count
    array_at = len(body)
    body += b"\xaf\x13" + struct.pack(">Q", count)  # array, count as an 8-byte integer
    body += b"".join(struct.pack(">I", i) for i in range(count))
    table_at = len(body)
    offsets = [first + i for i in range(count)] + [array_at]
    body += b"".join(struct.pack(">I", off) for off in offsets)
    body += struct.pack(">6xBBQQQ", 4, 4, count + 1, count, table_at)
    return bytes(body)


def binary_plist_shared_arrays(levels=8, fanout=14):
    """A valid bplist00 where each array lists the previous one `fanout` times (at most 14, the
    count that fits the marker): 9 objects in the file, fanout**levels values once every
    reference is followed."""
    objects = [b"\x09"]  # object 0: true
    for i in range(1, levels + 1):
        objects.append(bytes([0xA0 | fanout]) + bytes([i - 1]) * fanout)
    body = b"bplist00"
    offsets = []
    for o in objects:
        offsets.append(len(body))
        body += o
    table_at = len(body)
    body += b"".join(struct.pack(">H", off) for off in offsets)
    body += struct.pack(">6xBBQQQ", 2, 1, len(objects), len(objects) - 1, table_at)
    return body


# ---- The table ----

MiB = 1024 * 1024

CASES = [
    dict(name="inspect-200-mib-file", make=sparse_file(200 * MiB, "big.mobileconfig"),
         code=65, stderr="over the limit"),
    # plist/file_io's read_file stops after the 64 MiB limit instead of reading to the end of an
    # endless device or FIFO.
    dict(name="inspect-dev-zero", make=device("/dev/zero"), code=65, stderr="limit"),
    dict(name="inspect-endless-fifo", make=endless_fifo, code=65, stderr="limit"),
    dict(name="inspect-deep-xml-arrays",
         make=text_file("deep.plist",
                        "<plist>" + "<array>" * 1_000_000 + "</array>" * 1_000_000 + "</plist>"),
         code=65, stderr="nesting deeper than 128 levels"),
    dict(name="compile-deep-json-arrays",
         make=text_file("deep.json", "[" * 1_000_000, command="compile"),
         code=65, stderr="deeper than"),
    dict(name="compile-deep-yaml-arrays",
         make=text_file("deep.yaml", "[" * 1_000_000, command="compile"),
         code=65, stderr="nesting deeper than 128 levels"),
    dict(name="compile-yaml-billion-laughs",
         make=text_file("laughs.yaml", billion_laughs_yaml(), command="compile"),
         code=65, stderr="alias"),
    dict(name="inspect-bplist-huge-object-count",
         make=binary_file("count.bplist", binary_plist_huge_count()),
         code=65, stderr="offset table lies outside the file"),
    # Memory per object read: 5 million one-byte objects in 43 MiB must fit in the address limit
    # (a top-level array is not a profile, but inspect describes it and succeeds).
    dict(name="inspect-bplist-five-million-objects",
         make=binary_file("many.bplist", binary_plist_many_objects(5_000_000)),
         code=0, stderr=""),
    dict(name="inspect-bplist-shared-array-bomb",
         make=binary_file("bomb.bplist", binary_plist_shared_arrays()),
         code=65, stderr="shared references expand to more values than the file holds"),
]


def limit_address_space(megabytes):
    def apply():
        limit = megabytes * MiB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def child_environment(args):
    """A sanitizer build reserves terabytes of address space, so ulimit -v cannot apply; the
    same memory limit is given to the sanitizer instead: an allocation or resident memory past
    it aborts with an out-of-memory report."""
    env = dict(os.environ)
    if args.sanitized:
        limit = f"hard_rss_limit_mb={args.memory_mb}:max_allocation_size_mb={args.memory_mb}"
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), limit]))
    return env


def run_case(cmdm, case, args):
    """Returns (passed, description)."""
    with tempfile.TemporaryDirectory(prefix="cmdm-limits-") as scratch:
        argv, cleanup = case["make"](scratch)
        preexec = None if args.sanitized else limit_address_space(args.memory_mb)
        proc = subprocess.Popen([cmdm] + argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=preexec, cwd=scratch,
                                env=child_environment(args))
        try:
            out, err = proc.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return False, f"no exit within {args.timeout} s (hang or unbounded work)"
        finally:
            if cleanup:
                cleanup()
    err_text = err.decode(errors="replace")
    code = proc.returncode
    if code < 0:
        return False, f"killed by {signal.Signals(-code).name}; stderr: {err_text[-300:]!r}"
    if code != case["code"]:
        return False, f"exit {code}, want {case['code']}; stderr: {err_text[-300:]!r}"
    if case["stderr"] not in err_text:
        return False, f"stderr lacks {case['stderr']!r}: {err_text[-300:]!r}"
    return True, f"exit {code}"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cmdm", required=True)
    parser.add_argument("--memory-mb", type=int, default=1024, help="address-space limit")
    parser.add_argument("--timeout", type=int, default=30, help="seconds per case")
    parser.add_argument("--sanitized", action="store_true",
                        help="cmdm is an ASan build: limit memory through ASAN_OPTIONS, not ulimit")
    parser.add_argument("names", nargs="*", help="run only these cases")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.names or c["name"] in args.names]
    failures = 0
    for case in cases:
        passed, detail = run_case(os.path.abspath(args.cmdm), case, args)
        if case.get("expected_failure"):
            if passed:
                failures += 1
                print(f"XPASS {case['name']}: {detail} (remove expected_failure)")
            else:
                print(f"XFAIL {case['name']}: {detail}")
        elif passed:
            print(f"ok    {case['name']}: {detail}")
        else:
            failures += 1
            print(f"FAIL  {case['name']}: {detail}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
