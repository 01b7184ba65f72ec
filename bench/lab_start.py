# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of the lab's time to ready (a script, not a test).

Starts ``python -m lab serve`` (through lab.process.Lab, which times the subprocess from spawn to
its ``lab ready on`` line: Python start, imports of moto and the DRS emulator, seeding the estate
into moto EC2 and the emulator) several times on lab/estates/demo.yml and on generated estates,
and prints the median and maximum of ``Lab.startup_s``. Each lab is stopped before the next starts.

    .venv/bin/python bench/lab_start.py [--repeat 5] [--sizes 1000 5000] [--big-repeat 3]
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from lab.estate import generate  # noqa: E402  (after the sys.path set-up)
from lab.process import Lab  # noqa: E402


def time_starts(estate, repeat, timeout):
    times = []
    for _run in range(repeat):
        lab = Lab(estate, time_scale=0, strict=False)
        lab.start(timeout=timeout)
        try:
            times.append(lab.startup_s)
            servers = len(lab.truth()["servers"])
        finally:
            lab.stop()
    return times, servers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="starts on demo.yml")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000], help="generated estates (servers)")
    parser.add_argument("--big-repeat", type=int, default=3, help="starts on each generated estate")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()}, cpus {os.cpu_count()}, machine {platform.machine()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    rows = []
    demo = os.path.join(ROOT, "lab", "estates", "demo.yml")
    times, servers = time_starts(demo, args.repeat, args.timeout)
    rows.append(("lab/estates/demo.yml", servers, times))
    print(f"demo.yml ({servers} servers): " + ", ".join(f"{t:.2f}" for t in times) + " s")

    # The empty lab: Python, moto and emulator imports only (what every estate pays).
    with tempfile.TemporaryDirectory(prefix="bench-lab-start-") as workdir:
        times, servers = time_starts(None, args.repeat, args.timeout)
        rows.append(("no estate", servers, times))
        print("no estate: " + ", ".join(f"{t:.2f}" for t in times) + " s")
        for size in args.sizes:
            path = os.path.join(workdir, f"generated-{size}.yml")
            started = time.monotonic()
            with open(path, "w", encoding="utf-8") as handle:
                yaml.safe_dump(generate(size, 1), handle, sort_keys=False)
            written = time.monotonic() - started
            times, servers = time_starts(path, args.big_repeat, args.timeout)
            rows.append((f"generated, {size} servers (1 wave)", servers, times))
            print(f"generated {size} ({servers} servers, estate written in {written:.2f} s): "
                  + ", ".join(f"{t:.2f}" for t in times) + " s")

    print(f"\nLab time to ready ({os.cpu_count()} cores, load average now {os.getloadavg()[0]:.2f})")
    print("| Estate | Servers (and as many targets) | Starts | Median | Max |")
    print("|---|---|---|---|---|")
    for name, servers, times in rows:
        print(f"| {name} | {servers} | {len(times)} | {statistics.median(times):.2f} s | {max(times):.2f} s |")


if __name__ == "__main__":
    main()
