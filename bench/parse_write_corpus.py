#!/usr/bin/env python3
"""Times plistlib parsing plus XML writing of the given files inside this process (no interpreter
start-up), for bench/compare_python.sh. Usage: parse_write_corpus.py ITERATIONS FILE...
Prints "WALL_SECONDS CPU_SECONDS"."""
import plistlib
import sys
import time


def main():
    iterations = int(sys.argv[1])
    inputs = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            inputs.append(f.read())
    out_bytes = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    for _ in range(iterations):
        for data in inputs:
            out_bytes += len(plistlib.dumps(plistlib.loads(data), fmt=plistlib.FMT_XML,
                                            sort_keys=False))
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print("%.6f %.6f" % (seconds, cpu))
    return 0 if out_bytes else 1


if __name__ == "__main__":
    sys.exit(main())
